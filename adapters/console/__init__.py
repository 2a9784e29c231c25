"""The local console: play the drill in a terminal, or drive it from a script."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
