"""Slash commands for what members and admins choose rather than play: the weekly recap (admins).

Registered beside ``adapters.discord.commands`` (``install``); replies go through the same
``Handlers.command`` (admin check, claims, errors as private replies).
"""

from __future__ import annotations

from typing import Any

from discord import app_commands

from adapters.discord.commands import admin
from adapters.discord.handlers import Interaction, handlers, place_of


@admin.command(name="recap", description="The weekly recap in this channel: on (the default) or off.")
@app_commands.describe(enabled="On: the week's board, best streaks and most missed question, weekly")
async def recap(interaction: Interaction, enabled: bool) -> None:
    h, place = handlers(interaction), place_of(interaction)
    await h.command(interaction, lambda: h.engine.recaps.enable(place, enabled), admin=True)


COMMANDS: tuple[Any, ...] = ()  # top-level commands of this module (the admin ones join /flask-admin above)


def install(tree: app_commands.CommandTree[Any]) -> None:
    for cmd in COMMANDS:
        tree.add_command(cmd)
