"""Slack adapter (slack-bolt): slash command, Block Kit, App Home, Socket Mode and HTTP."""
