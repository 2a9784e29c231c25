"""The live quiz's ``SessionSink`` on Slack: the lobby in the channel, the rest in its thread.

Messages go through the daily poster's pacer (one channel's writes spaced by ``post_interval``)
and its client (429 Retry-After, 5xx and connection retries); private summaries skip the channel's
pacer (their own rate limit) but keep the client's 429 handling.  The thread reference handed back
for a lobby is ``"<channel>:<ts>"``; every later event carries it.  Private summaries are
ephemeral messages in the channel; one that Slack refuses (``user_not_in_channel``, the bot
removed) is a warning, never an error, and does not hold up the others.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack import live_render as lr
from adapters.slack.poster import PLATFORM, SlackPoster
from adapters.slack.render import Block
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.sessions.views import Event, LiveQuestion, Lobby, Podium, PrivateSummary, Reveal

log = logging.getLogger(__name__)


def thread_ts(thread: str | None) -> str | None:
    """The lobby message's ts from a ``"<channel>:<ts>"`` reference."""
    if not thread or ":" not in thread:
        return None
    return thread.split(":", 1)[1] or None


class SlackLiveSink:
    """Delivers a live session's events over the Web API."""

    platform = PLATFORM

    def __init__(self, poster: SlackPoster, *, broadcast_podium: bool = True) -> None:
        self.poster = poster
        self.broadcast_podium = broadcast_podium  # the podium also shows in the channel

    async def deliver_session(self, event: Event) -> str | None:
        try:
            return await self._deliver(event)
        except (SlackApiError, ChannelUnavailable) as exc:
            # Slack refused (a lost channel, a member gone): a warning; the session goes on.
            log.warning("slack: live session %s: %s not delivered in %s: %s", event.session_id,
                        type(event).__name__, event.place.channel, _why(exc))
            return None

    async def _deliver(self, event: Event) -> str | None:
        place = event.place
        match event:
            case Lobby(ref=str(ref)):  # the players changed: the lobby message lists them
                ts = thread_ts(ref)
                if ts is not None:
                    await self.poster.call(place, "chat.update", ts=ts, text=lr.lobby_text(event),
                                           blocks=lr.lobby(event))
            case Lobby():
                resp = await self._post(place, None, lr.lobby_text(event), lr.lobby(event))
                return f"{place.channel}:{resp['ts']}"
            case LiveQuestion():
                await self._post(place, event.thread, lr.question_text(event), lr.question(event))
            case Reveal():
                await self._post(place, event.thread, lr.reveal_text(event), lr.reveal(event))
            case Podium():
                await self._post(place, event.thread, lr.podium_text(event), lr.podium(event),
                                 reply_broadcast=self.broadcast_podium and event.thread is not None)
            case PrivateSummary():
                # Not through the channel's pacer: ephemerals have their own, larger rate limit, and 500
                # players' summaries at one a second would hold the session's lease for minutes.
                client = await self.poster.client_for(place.community)
                await client.chat_postEphemeral(channel=place.channel, user=event.user,
                                                text=lr.summary_text(event), blocks=lr.summary(event))
        return None

    async def _post(self, place: Place, thread: str | None, text: str, blocks: list[Block],
                    **extra: Any) -> Any:
        ts = thread_ts(thread)
        if ts is not None:
            extra["thread_ts"] = ts
        return await self.poster.call(place, "chat.postMessage", text=text, blocks=blocks, unfurl_links=False,
                                      unfurl_media=False, **extra)


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        return str(data.get("error", "")) if isinstance(data, dict) else str(exc.response.status_code)
    return str(exc)
