"""What every part of the engine shares: the database, the content, the clock, ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import identity
from bot.clock import Clock
from bot.config import Settings
from bot.content import Library
from bot.errors import DrillError
from bot.identity import IdCache, Ids, Member, Place
from bot.storage.batch import GroupCommit
from bot.storage.db import Database
from bot.storage.models import Channel, Community

T = TypeVar("T")


def _csv(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(values)


def _uncsv(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v)


class EngineBase:
    """One database, one content library, one clock; transactions run off the event loop."""

    def __init__(self, *, db: Database, library: Library, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.library = library
        self.settings = settings
        self.clock = clock
        self._ids = IdCache()
        self._resolver: GroupCommit[Member, Ids] = GroupCommit(db, self._resolve_many)

    async def _tx(self, fn: Callable[[Session], T]) -> T:
        def work() -> T:
            with self.db.session() as s, s.begin():
                return fn(s)
        return await self.db.run(work)

    def _resolve_many(self, s: Session, members: list[Member]) -> list[Ids | DrillError]:
        return list(identity.resolve_many(s, members, timezone=self.settings.leaderboard.timezone))

    async def resolve(self, member: Member) -> Ids:
        """Database ids for a member; from memory when already known.

        Members not yet in memory (new, or after a restart) are looked up together: when a
        daily post is answered by hundreds at once, that is one transaction, not hundreds.
        Committed on its own, so a failed answer never leaves a cached id for a rolled-back row.
        """
        known = self._ids.peek(member)
        if known is not None:
            return known
        ids = await self._resolver.submit(member)
        self._ids.remember(member, ids)
        return ids

    def _place_of(self, s: Session, channel_id: int) -> Place:
        ch, comm = s.execute(select(Channel, Community).join(Community, Community.id == Channel.community_id)
                             .where(Channel.id == channel_id)).one()
        return Place(comm.platform, comm.external_id, ch.external_id, ch.name)

    def _channel(self, s: Session, place: Place) -> tuple[Community, Channel]:
        return identity.channel(s, place, timezone=self.settings.leaderboard.timezone)
