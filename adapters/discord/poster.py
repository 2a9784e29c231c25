"""Outbound: daily posts, their live count and reveal, and the summary (the engine's Poster port).

Every channel's job fires at the same minute, so the service calls ``post_round`` for many
channels at once.  discord.py knows per-route buckets but has no global limiter, so every
request made here first takes a token from one bucket paced at ``broadcast_rate`` (Discord
allows 50/s per bot; interaction replies are exempt and do not go through here).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

import discord

from adapters.discord import components, render
from bot import wording
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.views import QuestionCard, Summary

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
RETRIES_429 = 8  # on top of discord.py's own five tries per request


class Pacer:
    """Grants requests one at a time, never more than ``rate`` in any second (a sliding window).

    Grants are spaced ``1/rate`` apart while on schedule.  After the event loop was busy
    they may catch up, but at most twice as fast and only while the last second has room,
    so the time lost is won back without a burst that would break the global limit.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._start = 0.0
        self._count = 0
        self.per_second = max(1, int(rate))
        self._granted: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._granted and now - self._granted[0] >= 1.0:
                    self._granted.popleft()
                if not self._granted:
                    self._start, self._count = now, 0  # a new broadcast: its own schedule
                planned = self._start + self._count * self.interval  # this grant's slot at an even pace
                spacing = self.interval if planned >= now else self.interval / 2
                wait = max(planned - now, self._granted[-1] + spacing - now) if self._granted else 0.0
                if len(self._granted) >= self.per_second:
                    wait = max(wait, self._granted[0] + 1.0 - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._granted.append(now)
            self._count += 1


def _retry_after(exc: discord.HTTPException) -> float:
    try:
        return min(max(float(exc.response.headers.get("Retry-After", "1")), 0.01), 60.0)
    except (TypeError, ValueError, AttributeError):
        return 1.0


def message_ref(channel_id: int, message_id: int, thread_id: int | None) -> str:
    return f"{channel_id}:{message_id}:{thread_id or ''}"


def parse_ref(ref: str) -> tuple[int, int, int | None]:
    channel, message, thread = ([*ref.split(":"), ""])[:3]
    return int(channel), int(message), int(thread) if thread else None


class DiscordPoster:
    platform = "discord"

    def __init__(self, client: discord.Client, *, rate: float, threads: bool) -> None:
        self.client = client
        self.pacer = Pacer(rate)
        self.threads = threads

    async def _call(self, place: Place, fn: Any) -> Any:
        """One paced request; 403/404 mean the bot lost the channel; 429s are waited out."""
        for attempt in range(RETRIES_429 + 1):
            await self.pacer.take()
            try:
                return await fn()
            except (discord.Forbidden, discord.NotFound) as exc:
                raise ChannelUnavailable(f"{place.channel}: {exc.status} {exc.text}") from exc
            except discord.HTTPException as exc:
                if exc.status != 429 or attempt == RETRIES_429:
                    raise
                wait = _retry_after(exc)
                log.warning("%s: still rate limited after discord.py's retries; waiting %.2f s", place, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def post_round(self, place: Place, card: QuestionCard) -> str | None:
        channel = self.client.get_partial_messageable(int(place.channel), guild_id=int(place.community))
        msg = await self._call(place, lambda: channel.send(
            embed=render.question(card), view=components.question_view(card), allowed_mentions=NONE))
        thread_id = None
        if self.threads:
            name = f"Discuss: {card.topic_title} ({card.question_id})"[:100]
            try:
                thread = await self._call(place, lambda: self.client.http.start_thread_with_message(
                    channel.id, msg.id, name=name, auto_archive_duration=1440, rate_limit_per_user=None))
                thread_id = int(thread["id"])
            except (discord.HTTPException, ChannelUnavailable) as exc:
                # The question is up; a missing thread (e.g. no Create Public Threads) is not worth failing it.
                log.warning("%s: no discussion thread: %s", place, exc)
        return message_ref(channel.id, msg.id, thread_id)

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

    async def tell(self, place: Place, user: str, text: str) -> None:
        await self.pacer.take()
        dm = await self.client.create_dm(discord.Object(int(user)))
        await self.pacer.take()
        await dm.send(text, allowed_mentions=NONE)

    async def channel_lost(self, place: Place, user: str) -> None:
        # A direct message (POST /users/@me/channels, then the message); it fails when the admin
        # does not take DMs from server members, and the service logs that.
        await self.pacer.take()
        dm = await self.client.create_dm(discord.Object(int(user)))
        await self.pacer.take()
        await dm.send(wording.CHANNEL_LOST.format(channel=f"<#{place.channel}>"), allowed_mentions=NONE)
