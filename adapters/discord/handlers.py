"""Inbound: a Discord interaction → an engine call with plain values → a private reply.

One place maps errors to replies: a ``UserError`` is shown to the member, anything else is
logged with its traceback and answered with a short apology.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord import components, render
from bot import wording
from bot.errors import NotAllowed, UserError
from bot.members.identity import Member, Place
from bot.runtime.service import Service
from bot.views import Feedback, Help, Leaderboard, Notice, QuestionCard, ScheduleView, Stats, Summary

log = logging.getLogger(__name__)

PLATFORM = "discord"
SORRY = "Something went wrong on our side; it has been logged. Please try again."
NONE = discord.AllowedMentions.none()
Interaction = discord.Interaction[Any]
View = QuestionCard | Leaderboard | Stats | Help | ScheduleView | Notice | Summary | Feedback


def member_of(interaction: Interaction) -> Member:
    u = interaction.user
    return Member(PLATFORM, str(interaction.guild_id or f"dm-{u.id}"), str(u.id), u.display_name)


def place_of(interaction: Interaction) -> Place:
    ch = interaction.channel
    name = getattr(ch, "name", None) or ""
    return Place(PLATFORM, str(interaction.guild_id or f"dm-{interaction.user.id}"),
                 str(interaction.channel_id), name)


def is_admin(interaction: Interaction) -> bool:
    """Manage Server, checked again at run time (Discord's default permissions can be overridden)."""
    perms = interaction.permissions
    return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)


class Handlers:
    def __init__(self, service: Service, *, count_delay: float = 2.0) -> None:
        self.service = service
        self.count_delay = count_delay  # at most one live-count edit per round this often
        self.engine = service.engine
        # Interactions seen lately, so a replayed delivery (resume) is answered once without a
        # database round trip; engine.members.claim() covers what must also hold across processes.
        self._seen: OrderedDict[int, None] = OrderedDict()

    def first_delivery(self, interaction: Interaction) -> bool:
        if interaction.id in self._seen:
            return False
        self._seen[interaction.id] = None
        if len(self._seen) > 20_000:
            self._seen.popitem(last=False)
        return True

    async def claim(self, interaction: Interaction) -> bool:
        """True for the first delivery of a non-idempotent interaction, in any process."""
        return await self.engine.members.claim(PLATFORM, str(interaction.id))

    # -- replies --------------------------------------------------------------------------

    async def reply(self, interaction: Interaction, view: View, *, card_buttons: bool = True) -> None:
        """Show a view privately to the member who asked."""
        kw: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NONE}
        match view:
            case QuestionCard():
                kw["embed"] = render.question(view)
                if card_buttons:
                    kw["view"] = components.question_view(view)
            case Feedback():
                kw["embed"] = render.feedback(view)
            case Leaderboard():
                kw["embed"] = render.board(view)
            case Stats():
                kw["embed"] = render.stats(view)
            case ScheduleView():
                kw["embed"] = render.schedule(view)
            case Help():
                kw["embed"] = render.help_embed(view)
            case Summary():
                kw["embed"] = render.summary(view)
            case Notice():
                kw["content"] = view.text
        await self.send(interaction, **kw)

    async def send(self, interaction: Interaction, **kw: Any) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(**kw)
        else:
            await interaction.response.send_message(**kw)

    async def guarded(self, interaction: Interaction, work: Awaitable[None]) -> None:
        """Run a handler; turn errors into private replies."""
        try:
            await work
        except UserError as exc:
            try:
                await self.send(interaction, content=str(exc), ephemeral=True, allowed_mentions=NONE)
            except discord.HTTPException as refused:  # e.g. 400 "already acknowledged": a duplicate delivery
                log.warning("interaction %s: Discord refused our reply: %s", interaction.id, refused)
        except discord.HTTPException as exc:
            log.warning("interaction %s: Discord refused our reply: %s", interaction.id, exc)
        except Exception:
            log.exception("interaction %s failed", interaction.id)
            with contextlib.suppress(discord.HTTPException):  # already answered, or the token expired
                await self.send(interaction, content=SORRY, ephemeral=True)

    # -- answers --------------------------------------------------------------------------

    async def answer(self, interaction: Interaction, mode: str, ref: str, *, choice: int | None = None,
                     text: str | None = None) -> None:
        if not self.first_delivery(interaction):
            return
        await self.guarded(interaction, self._answer(interaction, mode, ref, choice, text))

    async def _answer(self, interaction: Interaction, mode: str, ref: str, choice: int | None,
                      text: str | None) -> None:
        member = member_of(interaction)
        if mode == "r":
            # No claim: the database allows one answer per member and round, so a replay is refused.
            round_id = int(ref)
            fb = await self.engine.rounds.answer(member, round_id, choice=choice, text=text)
            await self.reply(interaction, fb)
            self.service.engine.rounds.answered(round_id, delay=self.count_delay)
            return
        if not await self.claim(interaction):
            return
        fb = await self.engine.practice.answer(member, ref, choice=choice, text=text)
        await self.reply(interaction, fb)

    async def on_form(self, interaction: Interaction) -> None:
        """A submitted form (modal): an open answer or a report."""
        data: dict[str, Any] = dict(interaction.data or {})
        m = components.FORM_ID.fullmatch(str(data.get("custom_id", "")))
        if m is None:
            return
        text = components.form_text(data)
        if m["open"]:
            await self.answer(interaction, m["mode"], m["ref"], text=text)
            return
        await self.report(interaction, m["qid"], text)

    async def report(self, interaction: Interaction, question_id: str, reason: str) -> None:
        if not self.first_delivery(interaction):
            return

        async def work() -> None:
            if await self.claim(interaction):
                notice = await self.engine.reports.add(member_of(interaction), question_id, reason)
                await self.reply(interaction, notice)
        await self.guarded(interaction, work())

    # -- commands -------------------------------------------------------------------------

    async def command(self, interaction: Interaction, work: Callable[[], Awaitable[View]], *,
                      admin: bool = False, once: bool = False, card_buttons: bool = True,
                      defer: bool = False) -> None:
        """Run a slash command's engine call and show the result privately.

        ``admin``: refuse without Manage Server.  ``once``: the call changes something that a
        replayed delivery must not change twice (claimed in the database).  ``defer``: acknowledge
        first (the work may wait on rate limits longer than Discord's 3-second deadline).
        """
        if not self.first_delivery(interaction):
            return

        async def run() -> None:
            if admin and not is_admin(interaction):
                raise NotAllowed(wording.NOT_ADMIN)
            if defer:
                await interaction.response.defer(ephemeral=True, thinking=True)
            if once and not await self.claim(interaction):
                return
            await self.reply(interaction, await work(), card_buttons=card_buttons)

        await self.guarded(interaction, run())


def handlers(interaction: Interaction) -> Handlers:
    """The handlers serving this interaction's client."""
    h: Handlers = interaction.client.drill  # set on the client by adapters.discord.client
    return h
