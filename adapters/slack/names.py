"""Members' display names, learned after the reply instead of before it.

A Slack payload names a member only by their legacy username; the name boards show comes
from users.info.  Asking for it before replying put one more Web API call, and its round trip,
in front of every new member's first reply (``bench/crowd.py slack``, 200 newcomers at once:
CPU per reply 1.6 -> 0.8 ms without it), although a practice question or a feedback message
never shows the name.
So a member whose name is not known here is served under the payload's name; their
users.info is asked for once the crowd has calmed (``PAUSE`` without a new name wanted, at
most ``LONGEST``), off the reply's path, and the name stored on their
account (``Members.rename``, which never creates one: a refused request leaves no row).
What does show names (a board, stats) first waits for the lookups already asked for
(``settled``, for at most ``SETTLE_WITHIN``), so it does not show a name being looked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.people import People
from bot.members.identity import Member

log = logging.getLogger(__name__)
PAUSE = 0.25  # seconds of calm (no new name wanted) before a burst's names are looked up
LONGEST = 2.0  # seconds a crowd that never calms may defer its names
AT_ONCE = 10  # users.info calls in flight together (Slack's Tier 4 allows 100+ a minute)
SETTLE_WITHIN = 2.0  # seconds a board waits for pending lookups before showing the names it has


class Names:
    """Lookups of members' display names, run in the background after a short pause."""

    def __init__(self, people: People, rename: Callable[[list[Member]], Awaitable[Any]], *,
                 pause: float = PAUSE) -> None:
        self.people = people
        self.rename = rename
        self.pause = pause
        self._wanted: dict[tuple[str, str], tuple[AsyncWebClient, Member]] = {}
        self._task: asyncio.Task[None] | None = None
        self._asked = 0  # names wanted so far: the lookups wait until it stops moving

    def now(self, client: AsyncWebClient, member: Member) -> Member:
        """The member under their display name if it is known here; else as the payload names
        them, with the name looked up shortly (``settled`` waits for it)."""
        known = self.people.known_name(member)
        if known is not None:
            return known
        self._wanted[(member.community, member.user)] = (client, member)
        self._asked += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._learn(), name="slack-names")
        return member

    async def settled(self) -> None:
        """Wait for the lookups asked for so far (and the renames they make), at most
        ``SETTLE_WITHIN`` seconds: behind a crowd of newcomers a board shows the names it has."""
        task = self._task
        if task is None or task.done():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), SETTLE_WITHIN)

    async def _calm(self) -> None:
        """Until no new name was wanted for ``pause`` (at most ``LONGEST``): the crowd's replies,
        which need no name, go out before any lookup competes with them for the event loop."""
        loop = asyncio.get_running_loop()
        until = loop.time() + LONGEST
        while True:
            asked = self._asked
            await asyncio.sleep(min(self.pause, max(until - loop.time(), 0.0)))
            if self._asked == asked or loop.time() >= until:
                return

    async def _learn(self) -> None:
        await self._calm()
        gate = asyncio.Semaphore(AT_ONCE)

        async def one(client: AsyncWebClient, member: Member) -> Member:
            async with gate:
                return await self.people.named(client, member)  # users.info; the member as is when it fails

        while self._wanted:
            batch = list(self._wanted.values())
            self._wanted.clear()
            named = await asyncio.gather(*(one(client, member) for client, member in batch))
            changed = [m for m, (_c, was) in zip(named, batch, strict=True) if m.name != was.name]
            if changed:
                try:
                    await self.rename(changed)  # one transaction for the batch
                except Exception:  # the names can wait for the members' next visit
                    log.warning("slack: could not store %d display name(s)", len(changed), exc_info=True)

    async def close(self) -> None:
        """Stop looking (at shutdown): a name not learned now is learned at the member's next visit."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
