"""Pacing every request discord.py sends (its own retries included) under the bot's global limit.

discord.py keeps per-route buckets but no global limiter, retries a request up to five
times on its own, and after a global 429 releases every waiting request at once.  So the
pacer sits under discord.py, in the aiohttp connector that its HTTP session uses
(``PacedConnector``): every attempt asks the connector for a connection, so each takes a
turn from one ``Pacer`` first; once the connection is the request's (a new one may take a
while) the turn must still be fresh, else it is taken again, since the request's bytes are
written right after.  The response of a paced request learns from a 429: the pacer's clock
moves back by ``Retry-After`` (one route, or all of them for a global limit).
Interaction callbacks and follow-ups are exempt from the global limit and the gateway is a
websocket: neither takes a turn, and neither pays for pacing (aiohttp's trace hooks, used
before, ran for every request, the crowd's interaction callbacks included).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import yarl
from aiohttp.connector import Connection

# Awaited once, right after the pacer's turn and before the request leaves (see DiscordPoster).
BEFORE_SEND: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "drillbot_before_send", default=None)


class Pacer:
    """Grants requests one at a time, never more than ``rate`` in any second (a sliding window).

    Grants are spaced ``1/rate`` apart while on schedule.  After the event loop was busy
    they may catch up, but at most twice as fast and only while the last second has room,
    so the time lost is won back without a burst that would break the global limit.  The
    window is a little longer than a second so that jitter between a grant and its arrival
    at Discord cannot push one more request into a second.  A 429 holds back one route
    (its major parameter, e.g. the channel) or, for a global one, every request.
    """

    def __init__(self, rate: float, *, window: float = 1.06) -> None:
        self.interval = 1.0 / rate
        self.window = window
        self._start = 0.0
        self._count = 0
        self.per_second = max(1, int(rate))
        self._granted: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._hold_all = 0.0
        self._hold: dict[str, float] = {}
        self.granted = 0  # turns given (one per HTTP attempt)
        self.limited = 0  # 429s seen
        self.retaken = 0  # turns taken again after a slow write before a post
        self.late = 0  # turns taken again because the request could not leave in time
        # How late a request may leave after its turn: the window's extra length, less 50 ms for
        # the way to Discord (network, and how soon the far end takes the request in).
        self._slack = max(window - 1.0 - 0.05, 0.0)

    async def take(self, route: str = "", before: Callable[[], Awaitable[None]] | None = None) -> float:
        """Wait for a turn on ``route``, then run ``before`` (a database write before a post).

        If ``before`` took longer than the window's slack the request waits for a fresh turn:
        writes queued behind a busy database all finish at once, and their requests must not
        leave together.  Within the slack a late request still cannot make any one second hold
        more than ``rate`` (the window is that much longer than a second).  Returns when the
        turn was granted (``time.monotonic``), for ``leaving``.
        """
        granted = await self._turn(route)
        if before is not None:
            await before()
            if time.monotonic() - granted > self._slack:
                self.retaken += 1
                granted = await self._turn(route)
        return granted

    async def leaving(self, route: str, granted: float) -> None:
        """The request's bytes are about to be written: if its turn is older than the slack, take a new one.

        Between the turn and the write a request may wait for a new connection, or for an event
        loop busy with other work (a batch of answers, threads posting); requests delayed that way
        would reach Discord together with those granted after them and overfill a second.
        """
        while time.monotonic() - granted > self._slack:
            self.late += 1
            granted = await self._turn(route)

    async def _turn(self, route: str) -> float:
        while (wait := self._hold.get(route, 0.0) - time.monotonic()) > 0:  # this route only
            await asyncio.sleep(wait)
        async with self._lock:
            while True:
                now = time.monotonic()
                if self._hold_all > now:
                    await asyncio.sleep(self._hold_all - now)
                    continue
                while self._granted and now - self._granted[0] >= self.window:
                    self._granted.popleft()
                if not self._granted:
                    self._start, self._count = now, 0  # a new broadcast: its own schedule
                planned = self._start + self._count * self.interval  # this grant's slot at an even pace
                spacing = self.interval if planned >= now else self.interval / 2
                wait = max(planned - now, self._granted[-1] + spacing - now) if self._granted else 0.0
                if len(self._granted) >= self.per_second:
                    wait = max(wait, self._granted[0] + self.window - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._granted.append(now)
            self._count += 1
            self.granted += 1
            return now

    def hold(self, retry_after: float, route: str | None) -> None:
        """Discord said 429: nothing more on ``route`` (None: on any route) for ``retry_after`` s."""
        self.limited += 1
        until = time.monotonic() + max(retry_after, 0.0)
        if route is None:
            if until > self._hold_all:
                self._hold_all = until
                self._start, self._count = until, 0  # resume at an even pace, no catching up
        else:
            self._hold[route] = max(self._hold.get(route, 0.0), until)
            if len(self._hold) > 10_000:
                now = time.monotonic()
                self._hold = {k: v for k, v in self._hold.items() if v > now}


def route_of(url: yarl.URL, api_path: str) -> str | None:
    """The pacing route of a REST URL (its major parameter), or None when it is not paced."""
    path = url.path
    if not path.startswith(api_path):
        return None  # the gateway, a CDN
    parts = path[len(api_path):].strip("/").split("/")
    if parts[0] == "interactions" or (parts[0] == "webhooks" and len(parts) >= 3):
        return None  # interaction callbacks and follow-ups (webhook + token): not under the global limit
    return "/".join(parts[:2])


def _retry_after(headers: Any) -> float:
    try:
        return min(max(float(headers.get("Retry-After", "1")), 0.0), 60.0)
    except (TypeError, ValueError):
        return 1.0


class PacedConnector(aiohttp.TCPConnector):
    """The connector of discord.py's HTTP session: a turn from ``pacer`` before each REST attempt.

    ``BaseConnector.connect`` is where every attempt (discord.py's retries too) gets its
    connection, and the request is written right after it returns.  No connection limit, as
    discord.py's own connector.
    """

    def __init__(self, pacer: Pacer, api_base: str, **kw: Any) -> None:
        kw.setdefault("limit", 0)
        super().__init__(**kw)
        self.pacer = pacer
        self.api_path = yarl.URL(api_base.rstrip("/")).path
        self._response = _learning(pacer, self.api_path)

    async def connect(self, req: aiohttp.ClientRequest, traces: list[Any], timeout: aiohttp.ClientTimeout,
                      ) -> Connection:
        route = route_of(req.url, self.api_path)
        if route is None:
            return await super().connect(req, traces, timeout)
        before = BEFORE_SEND.get()
        if before is not None:
            BEFORE_SEND.set(None)  # once per post, not on discord.py's retries of it
        granted = await self.pacer.take(route, before)
        conn = await super().connect(req, traces, timeout)
        try:
            # The connection is ours and the request is written next: the turn must still be fresh.
            await self.pacer.leaving(route, granted)
        except BaseException:
            conn.release()
            raise
        if req.response_class is aiohttp.ClientResponse:
            req.response_class = self._response
        return conn


def _learning(pacer: Pacer, api_path: str) -> type[aiohttp.ClientResponse]:
    """A response class that tells ``pacer`` about a 429 as soon as its status line and headers are read."""

    class LearningResponse(aiohttp.ClientResponse):
        async def start(self, connection: Connection) -> aiohttp.ClientResponse:
            await super().start(connection)
            if self.status == 429:
                route = route_of(self.url, api_path)
                if route is not None:
                    h = self.headers
                    is_global = (h.get("X-RateLimit-Global", "").lower() == "true"
                                 or h.get("X-RateLimit-Scope") == "global")
                    pacer.hold(_retry_after(h), None if is_global else route)
            return self

    return LearningResponse
