"""Slack adapter (slack-bolt): slash command, Block Kit, App Home, Socket Mode and HTTP."""

from adapters.slack.runner import Secrets, SlackRunner, create

__all__ = ["Secrets", "SlackRunner", "create"]
