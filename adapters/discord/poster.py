"""Outbound: daily posts, their live count and reveal, and the summary (the engine's Poster port).

Every channel's job fires at the same minute, so the service calls ``post_round`` for many
channels at once.  Every HTTP attempt (discord.py's own retries included) takes a turn from
one pacer at ``broadcast_rate`` (``adapters.discord.pacing``; Discord allows 50/s per bot;
interaction replies are exempt and do not take turns).

A post is sent once however often it is tried: it carries the round's key as its
``nonce`` with ``enforce_nonce`` (Discord answers a repeat within a few minutes with the
message it already made), and a try that may follow one that landed first looks for the
round's buttons in the channel's recent history.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import timedelta
from typing import Any

import aiohttp
import discord
from discord.utils import time_snowflake

from adapters.discord import components, recap, reminders, render
from adapters.discord.interview_flow import InterviewDelivery
from adapters.discord.live import LiveDelivery
from adapters.discord.pacing import BEFORE_SEND, Pacer
from bot import wording
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.rounds.posting import Attempt
from bot.sessions.views import Event, InterviewOver
from bot.views import QuestionCard, Recap, ReminderNote, Summary

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
RETRIES_429 = 2  # calls on top of discord.py's own five tries each; then the sweep retries later
RETRIES = 5  # for 5xx answers and broken connections, with backoff
CLOCK_SKEW = timedelta(minutes=1)  # between our clock and Discord's, when looking for a post by time
HISTORY_PAGES = 5  # of 100 messages each, looked through for a round's post
__all__ = ["DiscordPoster", "Pacer", "message_ref", "parse_ref"]


def message_ref(channel_id: int, message_id: int, thread_id: int | None) -> str:
    return f"{channel_id}:{message_id}:{thread_id or ''}"


def parse_ref(ref: str) -> tuple[int, int, int | None]:
    channel, message, thread = ([*ref.split(":"), ""])[:3]
    return int(channel), int(message), int(thread) if thread else None


class DiscordPoster:
    platform = "discord"

    def __init__(self, client: discord.Client, *, rate: float = 48.0, threads: bool, pacer: Pacer | None = None,
                 backoff: float = 0.5) -> None:
        self.client = client
        self.pacer = pacer or Pacer(rate)
        self.threads = threads
        self.backoff = backoff  # first wait after a 5xx or a broken connection; doubles each time
        self.live = LiveDelivery(client, self._call)
        self.interviews = InterviewDelivery(client, self._call)

    async def deliver_session(self, event: Event) -> str | None:
        """A live quiz's event (``adapters.discord.live``), paced and retried like the daily posts."""
        return await self.live.deliver(event)

    async def deliver_interview(self, event: InterviewOver) -> None:
        """An interview whose time ran out: its scorecard by DM (``adapters.discord.interview_flow``)."""
        await self.interviews.scorecard(event)

    async def _call(self, place: Place, fn: Any) -> Any:
        """One request, paced per attempt (pacing.PacedConnector); 403/404 mean the bot lost the channel.

        429s that outlast discord.py's own tries, 5xx answers and broken connections are
        tried again (with backoff); what still fails is left to the next sweep.
        """
        limited = failed = 0
        while True:
            try:
                return await fn()
            except (discord.Forbidden, discord.NotFound) as exc:
                raise ChannelUnavailable(f"{place.channel}: {exc.status} {exc.text}") from exc
            except discord.HTTPException as exc:
                if exc.status == 429 and limited < RETRIES_429:
                    limited += 1  # the pacer already holds this route (or all) for Retry-After
                    log.warning("%s: still rate limited after discord.py's retries", place)
                    continue
                if exc.status < 500 or failed >= RETRIES:
                    raise
                failed += 1
                log.warning("%s: Discord answered %s; trying again", place, exc.status)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                if failed >= RETRIES:
                    raise
                failed += 1
                log.warning("%s: connection failed (%s); trying again", place, exc or type(exc).__name__)
            await asyncio.sleep(self.backoff * 2 ** (failed - 1))

    async def post_round(self, place: Place, card: QuestionCard, attempt: Attempt) -> str | None:
        channel = self.client.get_partial_messageable(int(place.channel), guild_id=int(place.community))
        found = await self._find(place, attempt) if attempt.maybe_sent else None
        if found is not None:
            channel_id, message_id, thread_id = found
            await attempt.posted(message_ref(channel_id, message_id, thread_id))
        else:
            async def send() -> Any:
                token = BEFORE_SEND.set(attempt.sending)  # 'posting' from the moment the request leaves
                try:
                    return await channel.send(embed=render.question(card), view=components.question_view(card),
                                              allowed_mentions=NONE, nonce=attempt.key)
                finally:
                    BEFORE_SEND.reset(token)
            msg = await self._call(place, send)  # a retry re-checks the round is still to be posted
            channel_id, message_id, thread_id = channel.id, msg.id, None
            await attempt.posted(message_ref(channel_id, message_id, None))  # before the thread: it exists
        if self.threads and thread_id is None:
            name = f"Discuss: {card.topic_title} ({card.question_id})"[:100]
            try:
                thread = await self._call(place, lambda: self.client.http.start_thread_with_message(
                    channel_id, message_id, name=name, auto_archive_duration=1440, rate_limit_per_user=None))
                thread_id = int(thread["id"])
            except (discord.HTTPException, ChannelUnavailable, aiohttp.ClientError, OSError) as exc:
                # The question is up; a missing thread (e.g. no Create Public Threads) is not worth failing it.
                log.warning("%s: no discussion thread: %s", place, exc)
        return message_ref(channel_id, message_id, thread_id)

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        found = await self._find(place, attempt)
        return message_ref(*found) if found is not None else None

    async def _find(self, place: Place, attempt: Attempt) -> tuple[int, int, int | None] | None:
        """The round's message in the channel's history since it opened: (channel, message, thread)."""
        channel_id = int(place.channel)
        marker = f":r:{attempt.round_id}:"
        after = time_snowflake(attempt.since - CLOCK_SKEW)
        me = self.client.user.id if self.client.user is not None else None
        for _page in range(HISTORY_PAGES):
            page = await self._call(place, lambda a=after: self.client.http.logs_from(channel_id, 100, after=a))
            for msg in page:
                if me is not None and int(msg.get("author", {}).get("id", 0)) != me:
                    continue
                ids = [c.get("custom_id", "") for row in msg.get("components") or [] for c in row.get("components", [])]
                if any(marker in f"{i}:" for i in ids):
                    thread = msg.get("thread")
                    return channel_id, int(msg["id"]), int(thread["id"]) if thread else None
            if len(page) < 100:
                return None
            after = max(int(m["id"]) for m in page)
        return None

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        channel_id, message_id, _thread = parse_ref(message_ref)
        message = self.client.get_partial_messageable(channel_id).get_partial_message(message_id)
        if summary is None:
            await self._call(place, lambda: message.edit(embed=render.question(card),
                                                         view=components.question_view(card)))
        else:
            await self._call(place, lambda: message.edit(embed=render.revealed(card, summary),
                                                         view=components.question_view(card, closed=True)))

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        target = int(place.channel)
        if message_ref is not None:
            _c, _m, thread = parse_ref(message_ref)
            target = thread or target
        channel = self.client.get_partial_messageable(target)
        # First-correct names and streaks are member-chosen text: never let them ping anyone.
        await self._call(place, lambda: channel.send(embed=render.summary(summary), allowed_mentions=NONE))

    async def post_recap(self, place: Place, recap_view: Recap, key: str) -> None:
        """The weekly recap, paced like the daily posts; its key as nonce, so a repeat is not doubled."""
        channel = self.client.get_partial_messageable(int(place.channel), guild_id=int(place.community))
        # A retry past the nonce's few minutes (the process died after the post landed) finds the
        # recap among the channel's latest messages by its title, which names the channel's week.
        embed = recap.embed(recap_view)
        me = self.client.user.id if self.client.user is not None else None
        try:
            await self.pacer.take()
            latest = await self.client.http.logs_from(int(place.channel), 50)
        except discord.HTTPException:  # no Read Message History: post anyway (the nonce still guards a quick retry)
            latest = []
        if any(int(m.get("author", {}).get("id", 0)) == me and (m.get("embeds") or [{}])[0].get("title") == embed.title
               for m in latest):
            return
        nonce = f"recap-{zlib.crc32(key.encode()):08x}"
        await self._call(place, lambda: channel.send(embed=embed, allowed_mentions=NONE, nonce=nonce))

    async def remind(self, place: Place, user: str, note: ReminderNote) -> None:
        """A reminder by direct message (opening the DM channel, then the message; both paced)."""
        dm = await self._call(place, lambda: self.client.create_dm(discord.Object(int(user))))
        await self._call(place, lambda: dm.send(**reminders.message(note)))

    async def tell(self, place: Place, user: str, text: str) -> None:
        await self.pacer.take()
        dm = await self.client.create_dm(discord.Object(int(user)))
        await self.pacer.take()
        await dm.send(text, allowed_mentions=NONE)

    async def channel_lost(self, place: Place, user: str) -> None:
        # A direct message (POST /users/@me/channels, then the message); it fails when the admin
        # does not take DMs from server members, and the service logs that.  Both paced (PacedConnector).
        dm = await self.client.create_dm(discord.Object(int(user)))
        await dm.send(wording.CHANNEL_LOST.format(channel=f"<#{place.channel}>"), allowed_mentions=NONE)
