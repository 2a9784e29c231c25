"""Discord adapter (discord.py): slash commands, buttons, forms and daily posts.

``drillbot run`` calls ``create(app)`` when DISCORD_TOKEN is set.
"""

from __future__ import annotations

from adapters.discord.runner import DiscordRunner, create

__all__ = ["DiscordRunner", "create"]
