"""Work in flight, so a graceful stop can wait for it (bounded) before closing connections.

A platform adapter wraps each delivery it handles in ``track()``; on SIGTERM/SIGINT the
runner sets ``closing`` (new deliveries are turned away) and awaits ``drain()``, so every
answer already taken in is stored and its reply sent before the HTTP session and the
database close.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

DRAIN_SECONDS = 8.0  # the longest a stop waits for work in flight (inside `docker stop`'s default 10 s)


class InFlight:
    def __init__(self) -> None:
        self.closing = False
        self._count = 0
        self._idle: asyncio.Event | None = None

    @property
    def count(self) -> int:
        return self._count

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self._count += 1
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0 and self._idle is not None:
                self._idle.set()

    async def drain(self, timeout: float = DRAIN_SECONDS) -> int:
        """Stop taking new work and wait until none is in flight (or ``timeout``): what is left."""
        self.closing = True
        deadline = time.monotonic() + timeout
        while self._count and (left := deadline - time.monotonic()) > 0:
            self._idle = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), left)
        await asyncio.sleep(0)  # replies finished in the same turn get their callbacks run
        return self._count
