"""Crash, restart and rate-limit tests of daily posting (the bot in child processes, SIGKILLed)."""
