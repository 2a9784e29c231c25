"""Slash commands for what members and admins choose rather than play: reminders, the weekly recap,
community settings.

Registered beside ``adapters.discord.commands`` (``install``); replies go through the same
``Handlers.command`` (admin check, claims, errors as private replies).
"""

from __future__ import annotations

from typing import Any

from discord import app_commands
from discord.app_commands import Choice

from adapters.discord.commands import _zones as zones
from adapters.discord.commands import admin
from adapters.discord.handlers import Interaction, View, handlers, member_of, place_of
from bot.errors import UserError
from bot.runtime import commands


@admin.command(name="recap", description="The weekly recap in this channel: on (the default) or off.")
@app_commands.describe(enabled="On: the week's board, best streaks and most missed question, weekly")
async def recap(interaction: Interaction, enabled: bool) -> None:
    h, place = handlers(interaction), place_of(interaction)
    await h.command(interaction, lambda: h.engine.recaps.enable(place, enabled), admin=True)


@admin.command(name="settings", description="Points per level, the boards' time zone, live-quiz rules.")
@app_commands.describe(junior="Points for a right junior answer", mid="Points for a right mid answer",
                       senior="Points for a right senior answer",
                       board_timezone="Time zone the boards' weeks and months are counted in, e.g. Europe/Berlin",
                       default_points="Go back to the bot's default points",
                       live_who="Who may start a live quiz", live_per_channel="Live quizzes at once in one channel",
                       live_per_server="Live quizzes at once in this server",
                       live_cooldown="Seconds after a live quiz ends before the next may start in that channel",
                       default_live="Go back to the default live-quiz rules")
@app_commands.choices(live_who=[Choice(name="anyone", value="anyone"), Choice(name="admins", value="admins")])
async def settings(interaction: Interaction, junior: app_commands.Range[int, 0, 1000] | None = None,
                   mid: app_commands.Range[int, 0, 1000] | None = None,
                   senior: app_commands.Range[int, 0, 1000] | None = None, board_timezone: str | None = None,
                   default_points: bool = False, live_who: Choice[str] | None = None,
                   live_per_channel: app_commands.Range[int, 1, 5] | None = None,
                   live_per_server: app_commands.Range[int, 1, 50] | None = None,
                   live_cooldown: app_commands.Range[int, 0, 3600] | None = None, default_live: bool = False) -> None:
    h, place = handlers(interaction), place_of(interaction)
    points = {k: v for k, v in (("junior", junior), ("mid", mid), ("senior", senior)) if v is not None}
    live = {k: str(v) for k, v in (("who", live_who.value if live_who else None), ("channel", live_per_channel),
                                   ("community", live_per_server), ("cooldown", live_cooldown)) if v is not None}

    async def work() -> View:
        if not points and not default_points and board_timezone is None and not live and not default_live:
            return await h.engine.communities.show(place)
        try:
            zone = commands.parse_timezone(board_timezone) if board_timezone else None
        except commands.ParseError as exc:
            raise UserError(str(exc)) from None
        return await h.engine.communities.set(place, points=points, reset_points=default_points, timezone=zone,
                                              live=live, reset_live=default_live)
    await h.command(interaction, work, admin=True)


@settings.autocomplete("board_timezone")
async def _board_zone(interaction: Interaction, current: str) -> list[Choice[str]]:
    cur = current.strip().lower().replace(" ", "_")
    return [Choice(name=z, value=z) for z in zones() if cur in z.lower()][:25]


@app_commands.command(name="flask-reminders", description="Reminders by DM, off until you turn them on: "
                      "reviews due, the daily question closing.")
@app_commands.describe(reviews="Hour for the daily 'reviews due' reminder (0-23, e.g. 8), or off",
                       timezone="Your time zone for that hour, e.g. Europe/Berlin (default: the server's)",
                       closing="A reminder an hour before the daily question closes, if you have not answered")
@app_commands.guild_only()
async def reminders_(interaction: Interaction, reviews: str | None = None, timezone: str | None = None,
                     closing: bool | None = None) -> None:
    h, m = handlers(interaction), member_of(interaction)

    async def work() -> View:
        r = (reviews or "").strip().lower()
        if not r and timezone is None and closing is None:
            return await h.engine.reminders.show(m)
        try:
            hour = commands.parse_hour(r) if r and r != "off" else None
            zone = commands.parse_timezone(timezone) if timezone else None
        except commands.ParseError as exc:
            raise UserError(str(exc)) from None
        return await h.engine.reminders.set(m, reviews_hour=hour, reviews_off=r == "off", timezone=zone,
                                            closing=closing)
    await h.command(interaction, work)


@reminders_.autocomplete("timezone")
async def _reminder_zone(interaction: Interaction, current: str) -> list[Choice[str]]:
    cur = current.strip().lower().replace(" ", "_")
    return [Choice(name=z, value=z) for z in zones() if cur in z.lower()][:25]


COMMANDS: tuple[Any, ...] = (reminders_,)  # top-level ones (the admin ones join /flask-admin above)


def install(tree: app_commands.CommandTree[Any]) -> None:
    for cmd in COMMANDS:
        tree.add_command(cmd)
