"""The mock interview on Discord: ``/flask-interview``, its DM, the Answer / Skip / Stop buttons and the form.

Each step is one ``engine.interviews`` call with plain values.  The interview runs in the
member's direct messages; one who takes none (50007) gets the questions as private replies in
the channel instead.  A button or form names the (session, question) it was for, so a stale one
or a replayed form is refused by the engine with nothing stored.  The buttons carry the guild
(a DM names none), checked against the guilds this bot is in before anything is looked up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import discord

from adapters.discord import ids, render
from adapters.discord import interview as render_iv
from adapters.discord.components import recent_buttons
from bot import wording
from bot.errors import ChannelUnavailable, NotFound, UserError
from bot.members.identity import Member, Place
from bot.sessions.views import InterviewOver, InterviewQuestion

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)

T = TypeVar("T")
Interaction = discord.Interaction[Any]
Call = Callable[[Place, Callable[[], Awaitable[Any]]], Awaitable[Any]]
NONE = discord.AllowedMentions.none()
PLATFORM = "discord"
CANNOT_DM = 50007  # Discord: "Cannot send messages to this user"
DEFER_AFTER = 2.0  # the last answer grades the whole interview: defer if it takes longer
COMMAND = "`/flask-interview`"
HISTORY = "`/flask-interview history:True`"
RECENT = 10  # DM messages looked through for an interview's open question


class Handlers(Protocol):
    """What the flow needs from ``adapters.discord.handlers.Handlers`` (which imports this module)."""

    engine: Engine
    delivery: InterviewDelivery | None

    def first_delivery(self, interaction: Interaction) -> bool: ...

    async def claim(self, interaction: Interaction) -> bool: ...

    async def guarded(self, interaction: Interaction, work: Awaitable[None], *, dm_ok: bool = False) -> None: ...

    async def send(self, interaction: Interaction, **kw: Any) -> None: ...


def dm_link(channel_id: int) -> str:
    return f"https://discord.com/channels/@me/{channel_id}"


# -- outbound: direct messages, through the poster's pacer -------------------------------------

async def _direct(_place: Place, fn: Callable[[], Awaitable[Any]]) -> Any:
    return await fn()


class InterviewDelivery:
    """Sends an interview's messages by DM through the poster's paced, retrying ``call``."""

    def __init__(self, client: discord.Client, call: Call = _direct) -> None:
        self.client = client
        self.call = call

    async def dm(self, place: Place, user: str, **kw: Any) -> discord.Message | None:
        """A direct message to ``user``; None when Discord refuses it (DMs closed: 50007)."""
        try:
            channel = await self.call(place, lambda: self.client.create_dm(discord.Object(int(user))))
            msg: discord.Message = await self.call(place, lambda: channel.send(**kw, allowed_mentions=NONE))
            return msg
        except ChannelUnavailable as exc:
            cause = exc.__cause__
            code = cause.code if isinstance(cause, discord.HTTPException) else None
            log.info("interview: no direct message to %s (%s)", user, "DMs closed" if code == CANNOT_DM else exc)
            return None

    async def question(self, ev: InterviewQuestion) -> discord.Message | None:
        return await self.dm(ev.place, ev.user, embed=render_iv.question(ev), view=render_iv.question_view(ev))

    async def scorecard(self, ev: InterviewOver) -> None:
        """The time ran out (the tick): the question's buttons disabled and the scorecard by DM; DMs
        closed → INFO (history still shows it)."""
        await self.close_open_question(ev)
        if await self.dm(ev.place, ev.user, embeds=render_iv.scorecard(ev)) is None:
            log.info("interview %s: the scorecard was not delivered; %s shows it", ev.session_id, HISTORY)

    async def _disable(self, place: Place, message: discord.Message, view: discord.ui.View) -> None:
        await self.call(place, lambda: message.edit(view=view))

    async def close_open_question(self, ev: InterviewOver) -> None:
        """Disable the buttons of the interview's question still showing them in the DM (the latest
        few messages are looked through; a follow-up's id is not kept): a courtesy, never an error."""
        try:
            channel = await self.call(ev.place, lambda: self.client.create_dm(discord.Object(int(ev.user))))
            for m, found in await self.call(ev.place, lambda: recent_buttons(channel, RECENT)):
                shown = [ids.parse(b.custom_id or "") for b in found if not b.disabled]
                mine = [p for p in shown if isinstance(p, ids.InterviewClick) and p.session_id == ev.session_id
                        and p.index is not None]
                if mine:
                    await self._disable(ev.place, m, render_iv.closed_view(mine[0].guild, ev.session_id,
                                                                           mine[0].index or 0))
        except (discord.HTTPException, ChannelUnavailable) as exc:
            log.info("interview %s: could not disable the last question's buttons: %s", ev.session_id, exc)


# -- /flask-interview ----------------------------------------------------------------------------

async def command(h: Handlers, interaction: Interaction, *, member: Member, place: Place, level: str,
                  length: int, minutes: int, history: bool, stop: bool) -> None:
    """Start one (or show the running one's question again), stop it, or list past scorecards."""
    if not h.first_delivery(interaction):
        return

    async def run() -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # a DM waits on the pacer
        if not await h.claim(interaction):
            return
        iv = h.engine.interviews
        if stop:
            try:
                over = await iv.stop(member)
            except NotFound:
                raise UserError(wording.INTERVIEW_NONE_RUNNING.format(start=COMMAND, history=HISTORY)) from None
            await h.send(interaction, embeds=render_iv.scorecard(over), ephemeral=True, allowed_mentions=NONE)
            await (h.delivery or InterviewDelivery(interaction.client)).close_open_question(over)
        elif history:
            view = await iv.history(member)
            await h.send(interaction, embed=render_iv.history(view, COMMAND), ephemeral=True, allowed_mentions=NONE)
        else:
            q = await iv.current(member)
            again = q is not None
            if q is None:
                q = await iv.start(member, place, level, length=length, minutes=minutes)
            await _show(h, interaction, q, again=again)

    await h.guarded(interaction, run())


async def _show(h: Handlers, interaction: Interaction, q: InterviewQuestion, *, again: bool) -> None:
    """The question by DM and a private pointer to it; DMs closed: the question here, privately."""
    delivery = h.delivery or InterviewDelivery(interaction.client)
    when = render.ts(q.ends_at)
    msg = await delivery.question(q)
    if msg is None:
        await h.send(interaction, content=wording.INTERVIEW_DMS_CLOSED.format(when=when, history=HISTORY),
                     embed=render_iv.question(q), view=render_iv.question_view(q), ephemeral=True,
                     allowed_mentions=NONE)
        return
    link = dm_link(msg.channel.id)
    text = (wording.INTERVIEW_STILL_IN_DMS.format(n=q.index + 1, total=q.total, link=link, when=when) if again
            else wording.INTERVIEW_IN_DMS.format(link=link, when=when))
    await h.send(interaction, content=text, ephemeral=True, allowed_mentions=NONE)


# -- buttons and the form --------------------------------------------------------------------------

def known_guild(client: discord.Client, guild: int) -> bool:
    """The guild is one this bot is in (a process serving only some shards cannot tell: it trusts it,
    and the engine still refuses a session that is not the member's own)."""
    if client.get_guild(guild) is not None:
        return True
    shard_ids: list[int] = list(getattr(client, "shard_ids", None) or ())
    return bool(shard_ids) and len(set(shard_ids)) < int(getattr(client, "shard_count", 0) or 0)


def _member(interaction: Interaction, guild: int) -> Member:
    if interaction.guild_id is not None and interaction.guild_id != guild:
        raise UserError(wording.BAD_BUTTON)  # another server's interview button, pasted here
    if not known_guild(interaction.client, guild):
        raise UserError(wording.BAD_BUTTON)
    u = interaction.user
    return Member(PLATFORM, str(guild), str(u.id), u.display_name)


def _gone() -> UserError:
    return UserError(wording.INTERVIEW_GONE.format(history=HISTORY, start=COMMAND))


async def click(h: Handlers, interaction: Interaction, p: ids.InterviewClick) -> None:
    member, iv = _member(interaction, p.guild), h.engine.interviews
    if p.action == "skip":
        assert p.index is not None
        await _step(interaction, p.guild, p.session_id, p.index, iv.skip(member, at=(p.session_id, p.index)))
        return
    q = await iv.current(member)
    if q is None or q.session_id != p.session_id:  # an older interview's button (or its time is up)
        raise _gone()
    if p.action == "answer":
        if q.index != p.index:
            raise UserError(wording.INTERVIEW_MOVED_ON.format(n=q.index + 1, total=q.total))
        await interaction.response.send_modal(render_iv.answer_form(q))
    else:  # stop: the buttons of the question it was on are disabled
        await _step(interaction, p.guild, p.session_id, q.index, iv.stop(member))


async def form(h: Handlers, interaction: Interaction, p: ids.InterviewForm, text: str) -> None:
    member = _member(interaction, p.guild)
    if not text.strip():  # Discord's form requires text; a forged one may not
        raise UserError(wording.INTERVIEW_EMPTY_BUTTONS)
    await _step(interaction, p.guild, p.session_id, p.index,
                h.engine.interviews.answer(member, text, at=(p.session_id, p.index)))


async def _step(interaction: Interaction, guild: int, session_id: int, index: int,
                work: Coroutine[Any, Any, InterviewQuestion | InterviewOver]) -> None:
    """Run the engine's step; then the old question loses its buttons and the next one (or the
    scorecard) follows.  Refusals (``UserError``) are raised before anything is answered."""
    task = asyncio.ensure_future(work)
    done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        await interaction.response.defer()  # "updating the message": Discord's 3 s hold
    try:
        step = await task
    except NotFound:  # no interview runs (it ended, or was never this member's)
        raise _gone() from None
    closed = render_iv.closed_view(guild, session_id, index)
    if interaction.message is not None:
        if interaction.response.is_done():
            await interaction.edit_original_response(view=closed)
        else:
            await interaction.response.edit_message(view=closed)
    private = interaction.guild_id is not None  # in a channel (DMs closed) the messages stay private
    if isinstance(step, InterviewQuestion):
        await _follow(interaction, embed=render_iv.question(step), view=render_iv.question_view(step),
                      ephemeral=private)
    else:
        await _follow(interaction, embeds=render_iv.scorecard(step), ephemeral=private)


async def _follow(interaction: Interaction, **kw: Any) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(**kw, allowed_mentions=NONE)
    else:
        await interaction.response.send_message(**kw, allowed_mentions=NONE)
