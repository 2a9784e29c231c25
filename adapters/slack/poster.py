"""Daily posts: the engine's Poster port over the Web API, paced per channel.

Slack allows about one message per second per channel; the pacer spaces our
own writes to one channel by ``post_interval``, and the client's retry
handlers absorb any 429 that still comes back (Retry-After) and 5xx errors.

A daily post is made once however often it is tried: Slack has no idempotency key,
so the round rides along in the message's ``metadata``, and before a try that may
follow one that landed (a 5xx, a dropped connection, a crash) the poster looks for it
with ``conversations.history`` (``include_all_metadata``).  Those posts go through a
client without the built-in retry handlers, which would repeat a post blindly; a 429
holds the channel back by Retry-After.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import home, recap, render
from bot import wording
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.rounds.posting import Attempt
from bot.views import QuestionCard, Recap, ReminderNote, Summary

log = logging.getLogger(__name__)
PLATFORM = "slack"
# Errors that mean the bot can no longer post there: retrying only collects more refusals.
LOST = {"not_in_channel", "channel_not_found", "is_archived", "account_inactive", "token_revoked",
        "no_installation"}


def make_client(token: str | None, base_url: str, *, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """A Web API client that retries rate limits (honouring Retry-After), server and connection errors;
    on ``session`` if given (else slack-sdk opens a session, and a connection, per call)."""
    return AsyncWebClient(token=token, base_url=base_url, session=session, retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=10),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ])


ClientFor = Callable[[str], Awaitable[AsyncWebClient]]  # team id -> a client with that workspace's bot token


METADATA_TYPE = "drillbot_round"
RECAP_METADATA = "drillbot_recap"
RETRIES = 5  # 5xx answers and broken connections on a daily post, with backoff
RETRIES_429 = 10
HISTORY_PAGES = 5
CLOCK_SKEW = 60.0  # seconds, between our clock and Slack's, when looking for a post by time


class Pacer:
    """Spaces writes to one channel by ``interval`` seconds; other channels are not held up."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}

    def hold(self, channel: str, seconds: float) -> None:
        """Slack said 429 (Retry-After): nothing more to ``channel`` until then."""
        self._next[channel] = max(self._next.get(channel, 0.0), time.monotonic() + seconds)

    async def wait(self, channel: str) -> None:
        now = time.monotonic()
        if self.interval <= 0:
            if self._next.get(channel, 0.0) > now:
                await asyncio.sleep(self._next[channel] - now)
            return
        at = max(now, self._next.get(channel, now))
        self._next[channel] = at + self.interval  # reserve the slot before sleeping
        if at > now:
            await asyncio.sleep(at - now)


class SlackPoster:
    platform = PLATFORM

    def __init__(self, client_for: ClientFor, *, interval: float, backoff: float = 0.5) -> None:
        self.client_for = client_for
        self.pacer = Pacer(interval)
        self.backoff = backoff  # first wait after a 5xx or a dropped connection; doubles each time
        self._plain: dict[str, AsyncWebClient] = {}  # token -> a client without retry handlers

    def _without_retries(self, client: AsyncWebClient) -> AsyncWebClient:
        plain = self._plain.get(client.token or "")
        if plain is None:
            plain = self._plain[client.token or ""] = AsyncWebClient(
                token=client.token, base_url=client.base_url, timeout=client.timeout, session=client.session,
                retry_handlers=[])
        return plain

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

    async def call(self, place: Place, method: str, **kwargs: Any) -> Any:
        """A Web API call to ``place``'s channel, paced like the daily posts (live sessions use it)."""
        return await self._call(place, method, **kwargs)

    async def post_round(self, place: Place, card: QuestionCard, attempt: Attempt) -> str | None:
        found = await self.find_round(place, attempt) if attempt.maybe_sent else None
        limited = failed = 0
        while found is None:
            await self.pacer.wait(place.channel)
            await attempt.sending()  # 'posting' from here; raises if the round must not be posted any more
            try:
                client = self._without_retries(await self.client_for(place.community))
                resp = await client.api_call("chat.postMessage", json={
                    "channel": place.channel, "text": render.question_text(card), "blocks": render.question(card),
                    "unfurl_links": False, "unfurl_media": False,
                    "metadata": {"event_type": METADATA_TYPE,
                                 "event_payload": {"key": attempt.key, "round": attempt.round_id}}})
                found = str(resp["ts"])
            except SlackApiError as exc:
                error, status = _error(exc), exc.response.status_code
                if error in LOST:
                    raise ChannelUnavailable(f"chat.postMessage: {error}") from exc
                if status == 429 and limited < RETRIES_429:
                    limited += 1
                    self.pacer.hold(place.channel, _retry_after(exc.response.headers))
                    continue  # refused before it was made: no need to look
                if status < 500 or failed >= RETRIES:
                    raise
                failed += 1
                log.warning("%s: chat.postMessage answered %s; trying again", place, status)
                await asyncio.sleep(self.backoff * 2 ** (failed - 1))
                found = await self.find_round(place, attempt)  # it may have been made all the same
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                if failed >= RETRIES:
                    raise
                failed += 1
                log.warning("%s: chat.postMessage failed (%s); trying again", place, exc or type(exc).__name__)
                await asyncio.sleep(self.backoff * 2 ** (failed - 1))
                found = await self.find_round(place, attempt)
        await attempt.posted(found)
        return found

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        """The ts of the round's message in the channel (by its metadata), posted since it opened."""
        return await self._find(place, METADATA_TYPE, attempt.key,
                                oldest=f"{attempt.since.timestamp() - CLOCK_SKEW:.6f}", pages=HISTORY_PAGES)

    async def _find(self, place: Place, event_type: str, key: str, *, oldest: str | None, pages: int) -> str | None:
        """The ts of the newest message in the channel whose metadata carries ``key``, if any."""
        cursor = ""
        for _page in range(pages):
            client = await self.client_for(place.community)
            try:
                resp = await client.conversations_history(
                    channel=place.channel, include_all_metadata=True, limit=200, oldest=oldest, cursor=cursor or None)
            except SlackApiError as exc:
                error = _error(exc)
                if error in LOST:
                    raise ChannelUnavailable(f"conversations.history: {error}") from exc
                raise
            for msg in resp.get("messages") or []:
                meta = msg.get("metadata") or {}
                if meta.get("event_type") == event_type and (meta.get("event_payload") or {}).get("key") == key:
                    return str(msg["ts"])
            cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return None
        return None

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        blocks = render.closed(summary) if summary is not None else render.question(card)
        await self._call(place, "chat.update", ts=message_ref, text=render.question_text(card), blocks=blocks)

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        extra = {"thread_ts": message_ref} if message_ref else {}
        await self._call(place, "chat.postMessage", text=render.summary_text(summary),
                         blocks=render.summary(summary), unfurl_links=False, **extra)

    async def post_recap(self, place: Place, recap_view: Recap, key: str) -> None:
        """The weekly recap, paced per channel like the daily posts, its key in the message's metadata.

        A retry (the last try failed, or its process died) may follow a post that did land: the
        channel's latest messages are looked at first, and a recap already there is not posted again."""
        if await self._find(place, RECAP_METADATA, key, oldest=None, pages=1) is not None:
            return
        await self._call(place, "chat.postMessage", text=recap.text(recap_view), blocks=recap.blocks(recap_view),
                         unfurl_links=False, metadata={"event_type": RECAP_METADATA, "event_payload": {"key": key}})

    async def remind(self, place: Place, user: str, note: ReminderNote) -> None:
        """A reminder in the app's direct messages with the member (posting to a user id), paced."""
        text, blocks = home.reminder(note)
        await self._call(Place(place.platform, place.community, user), "chat.postMessage", text=text, blocks=blocks,
                         unfurl_links=False)

    async def tell(self, place: Place, user: str, text: str) -> None:
        client = await self.client_for(place.community)
        await client.api_call("chat.postMessage", json={"channel": user, "text": text})

    async def channel_lost(self, place: Place, user: str) -> None:
        # Posting to a user id lands in the app's direct messages with them (chat:write).
        client = await self.client_for(place.community)
        await client.api_call("chat.postMessage", json={
            "channel": user, "text": wording.CHANNEL_LOST.format(channel=f"<#{place.channel}>")})


def _retry_after(headers: Any) -> float:
    value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after") or "1"
    if isinstance(value, list):
        value = value[0] if value else "1"
    try:
        return min(max(float(value), 0.0), 60.0)
    except (TypeError, ValueError):
        return 1.0


def _error(exc: SlackApiError) -> str:
    data = exc.response.data
    return str(data.get("error", "")) if isinstance(data, dict) else ""
