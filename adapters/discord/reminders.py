"""Reminders by direct message, and the button under each that stops them.

The button's custom id carries the kind and the guild (``remind:stop:reviews:<guild>``): a
reminder arrives in a DM, where Discord says nothing about the server it is about.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from adapters.discord.handlers import NONE, PLATFORM, handlers
from bot import wording
from bot.errors import UserError
from bot.members.identity import Member
from bot.views import ReminderNote

log = logging.getLogger(__name__)
Button = discord.ui.Button[Any]


class StopButton(discord.ui.DynamicItem[Button],
                 template=re.compile(r"remind:stop:(?P<kind>reviews|closing):(?P<guild>[0-9]{1,20})")):
    """"Stop these reminders", under every reminder; works after a restart (matched by pattern)."""

    def __init__(self, kind: str, guild: str) -> None:
        super().__init__(discord.ui.Button(label=wording.REMIND_STOP[kind], style=discord.ButtonStyle.secondary,
                                           custom_id=f"remind:stop:{kind}:{guild}"))
        self.kind, self.guild = kind, guild

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> StopButton:
        return cls(match["kind"], match["guild"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        u = interaction.user
        member = Member(PLATFORM, self.guild, str(u.id), u.display_name)
        try:
            notice = await handlers(interaction).engine.reminders.stop(member, self.kind)
            text = notice.text
        except UserError as exc:
            text = str(exc)
        except Exception:
            log.exception("interaction %s: stopping reminders failed", interaction.id)
            text = wording.BAD_REQUEST
        try:
            # The reminder itself loses its button; the reply says how to turn it on again.
            await interaction.response.edit_message(view=None)
            await interaction.followup.send(text, allowed_mentions=NONE)
        except discord.HTTPException as exc:
            log.warning("interaction %s: Discord refused our reply: %s", interaction.id, exc)


DYNAMIC_ITEMS = (StopButton,)


def message(note: ReminderNote) -> dict[str, Any]:
    """What ``DiscordPoster.remind`` sends: the reminder's text and its stop button."""
    view = discord.ui.View(timeout=None)
    view.add_item(StopButton(note.kind, note.community))
    view.stop()  # dispatched by pattern, never kept
    text = note.text.replace(f"#{note.channel_name}", f"<#{note.channel}>", 1) if note.channel else note.text
    if note.closes_at is not None:
        text += f" ({discord.utils.format_dt(note.closes_at, 'R')})"
    return {"content": text, "view": view, "allowed_mentions": NONE}
