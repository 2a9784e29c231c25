"""Daily posts: the engine's Poster port over the Web API, paced per channel.

Slack allows about one message per second per channel; the pacer spaces our
own writes to one channel by ``post_interval``, and the client's retry
handlers absorb any 429 that still comes back (Retry-After) and 5xx errors.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from bot import wording
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.views import QuestionCard, Summary

log = logging.getLogger(__name__)
PLATFORM = "slack"
# Errors that mean the bot can no longer post there: retrying only collects more refusals.
LOST = {"not_in_channel", "channel_not_found", "is_archived", "account_inactive", "token_revoked",
        "no_installation"}


def make_client(token: str | None, base_url: str) -> AsyncWebClient:
    """A Web API client that retries rate limits (honouring Retry-After), server and connection errors."""
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=10),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ])


ClientFor = Callable[[str], Awaitable[AsyncWebClient]]  # team id -> a client with that workspace's bot token


class Pacer:
    """Spaces writes to one channel by ``interval`` seconds; other channels are not held up."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        if self.interval <= 0:
            return
        now = time.monotonic()
        at = max(now, self._next.get(channel, now))
        self._next[channel] = at + self.interval  # reserve the slot before sleeping
        if at > now:
            await asyncio.sleep(at - now)


class SlackPoster:
    platform = PLATFORM

    def __init__(self, client_for: ClientFor, *, interval: float) -> None:
        self.client_for = client_for
        self.pacer = Pacer(interval)

    async def _call(self, place: Place, method: str, **kwargs: Any) -> Any:
        await self.pacer.wait(place.channel)
        try:
            client = await self.client_for(place.community)
            return await client.api_call(method, json={"channel": place.channel, **kwargs})
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in LOST:
                raise ChannelUnavailable(f"{method}: {error}") from exc
            raise

    async def post_round(self, place: Place, card: QuestionCard) -> str | None:
        resp = await self._call(place, "chat.postMessage", text=render.question_text(card),
                                blocks=render.question(card), unfurl_links=False, unfurl_media=False)
        return str(resp["ts"])

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        blocks = render.closed(summary) if summary is not None else render.question(card)
        await self._call(place, "chat.update", ts=message_ref, text=render.question_text(card), blocks=blocks)

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        extra = {"thread_ts": message_ref} if message_ref else {}
        await self._call(place, "chat.postMessage", text=render.summary_text(summary),
                         blocks=render.summary(summary), unfurl_links=False, **extra)

    async def tell(self, place: Place, user: str, text: str) -> None:
        client = await self.client_for(place.community)
        await client.api_call("chat.postMessage", json={"channel": user, "text": text})

    async def channel_lost(self, place: Place, user: str) -> None:
        # Posting to a user id lands in the app's direct messages with them (chat:write).
        client = await self.client_for(place.community)
        await client.api_call("chat.postMessage", json={
            "channel": user, "text": wording.CHANNEL_LOST.format(channel=f"<#{place.channel}>")})
