"""Outbound for live quizzes: a session's events (``bot.sessions.views``) as Discord messages.

The lobby is a channel message with Join, Start and Stop buttons; a public thread is started
from it and its id is the session's reference, so questions, reveals and the podium post there
(in the channel when no thread could be made).  Private summaries go by direct message; a member
who takes none (50007) is logged at INFO and skipped.  Every request goes through the poster's
``_call`` and the one pacer (``adapters.discord.pacing``), like the daily broadcast.
"""

from __future__ import annotations

import logging
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.components import DrillButton, recent_buttons
from adapters.discord.handlers import MAX_FIELD, fit
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.sessions.views import Event, LiveQuestion, Lobby, Podium, PrivateSummary, Reveal, ScoreRow

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
BOARD_ROWS = 10  # rows of the running board shown after each question
EXPLANATION = 1500  # characters of the explanation in a reveal
CANNOT_DM = 50007  # Discord: "Cannot send messages to this user"
Call = Callable[[Place, Callable[[], Awaitable[Any]]], Awaitable[Any]]


def nonce(key: str) -> str | None:
    """A session event's key as a Discord nonce (at most 25 characters; discord.py sends it with
    ``enforce_nonce``): a step sent again after a crash, within Discord's few minutes, is not doubled."""
    return f"lv-{zlib.crc32(key.encode()):08x}" if key else None


# -- buttons ---------------------------------------------------------------------------------

def lobby_view(session_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(DrillButton(f"drill:lv:j:{session_id}", label="Join", style=discord.ButtonStyle.success))
    view.add_item(DrillButton(f"drill:lv:s:{session_id}", label="Start", style=discord.ButtonStyle.primary))
    view.add_item(DrillButton(f"drill:lv:x:{session_id}", label="Stop", style=discord.ButtonStyle.danger))
    return view


def labels(options: tuple[str, ...], kind: str) -> list[str]:
    """Button labels: the option itself for true/false, else its letter."""
    return [o[:80] if kind == "truefalse" else render.letter(n) for n, o in enumerate(options)]


def question_view(q: LiveQuestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for n, label in enumerate(labels(q.card.options, q.card.kind)):
        view.add_item(DrillButton(f"drill:lv:a:{q.session_id}:{q.index}:{n}", label=label))
    stop = DrillButton(f"drill:lv:x:{q.session_id}", label="Stop", style=discord.ButtonStyle.danger)
    stop.item.row = 1
    view.add_item(stop)
    return view


def closed_view(session_id: int, index: int, shown: list[str], options: tuple[str, ...],
                right: str | None) -> discord.ui.View:
    """The question's buttons (labelled ``shown``) after its reveal: disabled, the right one green."""
    view = discord.ui.View(timeout=None)
    for n, label in enumerate(shown):
        b = DrillButton(f"drill:lv:a:{session_id}:{index}:{n}", label=label,
                        style=discord.ButtonStyle.success if n < len(options) and options[n] == right
                        else discord.ButtonStyle.secondary)
        b.item.disabled = True
        view.add_item(b)
    return view


HISTORY = 25  # messages of the thread looked through for a question another process posted


# -- embeds ----------------------------------------------------------------------------------

def _names(names: tuple[str, ...], limit: int = MAX_FIELD) -> str:
    """Comma-separated names within ``limit`` characters, ending "and N more" when they do not fit."""
    out: list[str] = []
    used = 0
    for i, name in enumerate(names):
        piece = render.esc(name)
        tail = f" and {len(names) - i} more"
        if used + len(piece) + 2 + len(tail) > limit:
            return ", ".join(out) + (f" and {len(names) - i} more" if out else f"{len(names)} players")
        out.append(piece)
        used += len(piece) + 2
    return ", ".join(out) or "nobody"


def _board(rows: tuple[ScoreRow, ...], limit: int = BOARD_ROWS) -> str:
    lines = [f"**{r.rank}.** {render.esc(r.name)} · {r.points} pts ({r.correct} right)" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    return "\n".join(lines) or "No answers yet."


def lobby(ev: Lobby) -> discord.Embed:
    what = ", ".join(ev.topics) or "all topics"
    levels = ", ".join(ev.levels) or "all levels"
    e = discord.Embed(title="Live quiz", colour=render.BLURPLE, description=(
        f"{render.esc(ev.starter)} starts a live quiz: **{ev.count}** questions, **{ev.seconds} s** each.\n"
        f"Topics: {what} · Levels: {levels}\n"
        f"Starts {render.ts(ev.starts_at)} (or when the starter presses Start). "
        "Press Join to play; questions post in the thread below."))
    if ev.players:
        e.add_field(name=f"Players ({len(ev.players)})", value=_names(ev.players), inline=False)
    return e


def question(q: LiveQuestion) -> discord.Embed:
    e = render.question(q.card)
    e.title = f"Question {q.index + 1} of {q.total} · {q.card.topic_title} · {q.card.level}"
    e.add_field(name="Closes", value=render.ts(q.closes_at))
    return e


def reveal(r: Reveal) -> discord.Embed:
    head = f"Answer: **{render.esc(r.right)}**" if r.right else "Revealed"
    body = [head]
    if r.explanation:  # clipped so that the whole embed stays under Discord's 6,000 characters
        body.append(render.esc(r.explanation)[:EXPLANATION])
    e = discord.Embed(title=f"Question {r.index + 1} of {r.total} revealed", colour=render.GREEN,
                      description="\n\n".join(body))
    counts = "\n".join(f"**{render.letter(i)}.** {render.esc(o)} · {n}"
                       for i, (o, n) in enumerate(zip(r.options, r.per_option, strict=False)))
    e.add_field(name=f"{r.answered} of {r.players} answered", value=counts or "-", inline=False)
    e.add_field(name="Right", value=_names(r.correct_names), inline=False)
    e.add_field(name="Scoreboard", value=_board(r.board), inline=False)
    if r.next_at is not None:
        e.add_field(name="Next question", value=render.ts(r.next_at), inline=False)
    e.set_footer(text=r.question_id)
    return e


def podium(p: Podium) -> discord.Embed:
    head = f"Stopped by {render.esc(p.stopped_by)}." if p.stopped_by else "Live quiz over!"
    return discord.Embed(title="Podium", colour=render.BLURPLE,
                         description=f"{head} {p.asked} of {p.total} questions asked.\n\n{_board(p.board)}")


def summary(s: PrivateSummary) -> discord.Embed:
    e = discord.Embed(title="Your live quiz", colour=render.BLURPLE, description=(
        f"You came {s.rank} of {s.players} with {s.points} points, {s.correct} of {s.asked} right."))
    if s.missed:
        e.add_field(name="To review", value="\n".join(f"• {render.esc(m)}" for m in s.missed), inline=False)
    return e


def _closes(msg: Any) -> str | None:
    """The "Closes" field of a posted question's embed (None when it has none)."""
    embeds = getattr(msg, "embeds", None) or []
    return next((f.value for f in embeds[0].fields if f.name == "Closes"), None) if embeds else None


# -- delivery --------------------------------------------------------------------------------

class LiveDelivery:
    """Sends a session's events through the poster's paced, retrying ``call``."""

    def __init__(self, client: discord.Client, call: Call) -> None:
        self.client = client
        self.call = call
        # (session, index) -> (channel, message, question) of a question still showing its buttons
        self._open: OrderedDict[tuple[int, int], tuple[int, int, LiveQuestion]] = OrderedDict()

    async def deliver(self, event: Event) -> str | None:
        match event:
            case Lobby(ref=str(ref)):
                await self._lobby_players(event, ref)
            case Lobby():
                return await self._lobby(event)
            case LiveQuestion():
                embed = question(event)
                msg = await self._send(event.place, event.thread, embed=embed, view=question_view(event),
                                       nonce=nonce(event.key))
                if _closes(msg) not in (None, render.ts(event.closes_at)):
                    # Discord gave back the message this step made before a crash (same nonce); the
                    # step sent again has the whole time again: show the new deadline.
                    await self.call(event.place, lambda: msg.edit(embed=embed))
                self._open[(event.session_id, event.index)] = (msg.channel.id, msg.id, event)
                if len(self._open) > 1000:
                    self._open.popitem(last=False)
            case Reveal():
                await self._close(event)
                await self._send(event.place, event.thread, embed=reveal(event), nonce=nonce(event.key))
            case Podium():
                await self._send(event.place, event.thread, embed=podium(event), nonce=nonce(event.key))
            case PrivateSummary():
                await self._dm(event)
        return None

    async def _lobby(self, ev: Lobby) -> str:
        channel = self.client.get_partial_messageable(int(ev.place.channel), guild_id=int(ev.place.community))
        embed = fit({"embed": lobby(ev)})["embed"]
        msg = await self.call(ev.place, lambda: channel.send(embed=embed, view=lobby_view(ev.session_id),
                                                             allowed_mentions=NONE))
        name = f"Live quiz #{ev.session_id} by {ev.starter}"[:100]
        try:
            thread = await self.call(ev.place, lambda: self.client.http.start_thread_with_message(
                channel.id, msg.id, name=name, auto_archive_duration=1440, rate_limit_per_user=None))
        except (discord.HTTPException, ChannelUnavailable) as exc:
            log.warning("%s: no thread for live quiz %s (%s): it runs in the channel", ev.place, ev.session_id, exc)
            return str(channel.id)
        return str(thread["id"])

    async def _lobby_players(self, ev: Lobby, ref: str) -> None:
        """Edit the lobby to list its players.  A thread started from a message has the message's id,
        so ``ref`` names the lobby message too (unless no thread could be made: then it is the channel)."""
        if ref == ev.place.channel:
            return
        message = self.client.get_partial_messageable(int(ev.place.channel)).get_partial_message(int(ref))
        embed = fit({"embed": lobby(ev)})["embed"]
        try:
            await self.call(ev.place, lambda: message.edit(embed=embed))
        except (discord.HTTPException, ChannelUnavailable) as exc:
            log.info("%s: could not list the players of live quiz %s: %s", ev.place, ev.session_id, exc)

    async def _send(self, place: Place, thread: str | None, **kw: Any) -> Any:
        target = self.client.get_partial_messageable(int(thread or place.channel), guild_id=int(place.community))
        return await self.call(place, lambda: target.send(**fit(kw), allowed_mentions=NONE))

    async def _close(self, r: Reveal) -> None:
        """Disable the question's buttons (a click after the reveal is refused anyway).  The message is
        known when this process posted it; else (a restart, another process) it is looked for in the
        thread's latest messages by its buttons' custom ids."""
        found = self._open.pop((r.session_id, r.index), None)
        try:
            if found is not None:
                channel_id, message_id, q = found
                shown = labels(q.card.options, q.card.kind)
            else:
                located = await self._find_question(r)
                if located is None:
                    return
                channel_id, message_id, shown = located
            message = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
            view = closed_view(r.session_id, r.index, shown, r.options, r.right)
            await self.call(r.place, lambda: message.edit(view=view))
        except (discord.HTTPException, ChannelUnavailable) as exc:
            log.info("%s: could not disable live question %s/%s: %s", r.place, r.session_id, r.index, exc)

    async def _find_question(self, r: Reveal) -> tuple[int, int, list[str]] | None:
        where = int(r.thread or r.place.channel)
        prefix = f"drill:lv:a:{r.session_id}:{r.index}:"
        channel = self.client.get_partial_messageable(where, guild_id=int(r.place.community))

        for m, found in await self.call(r.place, lambda: recent_buttons(channel, HISTORY)):
            shown = [b.label or "?" for b in found if (b.custom_id or "").startswith(prefix)]
            if shown:
                return where, m.id, shown
        return None

    async def _dm(self, s: PrivateSummary) -> None:
        try:
            dm = await self.call(s.place, lambda: self.client.create_dm(discord.Object(int(s.user))))
            await self.call(s.place, lambda: dm.send(embed=fit({"embed": summary(s)})["embed"],
                                                     allowed_mentions=NONE, nonce=nonce(s.key)))
        except ChannelUnavailable as exc:  # 50007: DMs closed; the summary is a courtesy
            cause = exc.__cause__
            code = cause.code if isinstance(cause, discord.HTTPException) else None
            log.info("live quiz %s: no summary for %s by DM (%s)", s.session_id, s.user,
                     "DMs closed" if code == CANNOT_DM else exc)

