"""What every engine component shares: the database, the content, the settings, the clock, member ids.

Components (``bot.practice``, ``bot.rounds``, ``bot.boards``, ``bot.members``, ...) each hold one
``Core`` and never reach into one another's internals; ``bot.engine.Engine`` holds them all.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Settings
from bot.content import Library, LoadedQuestion
from bot.errors import DrillError
from bot.grading.lexical import Grade
from bot.grading.model import ModelGrader, uncertain
from bot.members import identity
from bot.members.identity import IdCache, Ids, Member, Place
from bot.members.limits import Limits
from bot.storage.batch import GroupCommit
from bot.storage.db import Database
from bot.storage.models import Account, Channel, Community

T = TypeVar("T")


class Core:
    """One database, one content library, one clock; transactions run off the event loop."""

    def __init__(self, *, db: Database, library: Library, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.library = library
        self.settings = settings
        self.clock = clock
        self.limits = Limits(settings.limits, clock)  # per-member allowances (reports, practice)
        self._ids = IdCache()
        self._resolver: GroupCommit[Member, Ids] = GroupCommit(db, self._resolve_many)
        self.model = ModelGrader(settings.grading)
        self._opted_in: dict[int, tuple[bool, float]] = {}  # community id -> (model grading on, when read)

    async def tx(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one transaction on the database thread."""
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

    async def with_ids(self, member: Member, fn: Callable[[Ids], Awaitable[T]], *,
                       also: tuple[type[Exception], ...] = ()) -> T:
        """``fn(ids)`` with the member's ids, run once more with fresh ones if it failed because they are stale.

        Another process may have run forget-me for the member: the cached account id then names
        a deleted row, and a write with it fails on a foreign key (or a read finds no account).
        Only then is the account looked up again (``stale``), so the common case costs nothing.
        ``also``: other failures that may mean a stale id (a refused answer with none stored).
        """
        ids = await self.resolve(member)
        retry: tuple[type[Exception], ...] = (IntegrityError, NoResultFound, *also)
        try:
            return await fn(ids)
        except retry:
            if not await self.stale(member, ids):
                raise
        return await fn(await self.resolve(member))

    async def stale(self, member: Member, ids: Ids) -> bool:
        """True, and the member's cached ids dropped, when their account is no longer ``ids.account_id``."""
        found = await self.tx(lambda s: s.execute(select(Account.id).where(
            Account.platform == member.platform, Account.external_id == member.user)).scalar_one_or_none())
        if found == ids.account_id:
            return False
        self.forget_ids(member)
        return True

    async def second_opinion(self, question: LoadedQuestion, text: str | None, g: Grade, community_id: int) -> Grade:
        """An open answer's grade, with the grading model's opinion where configured, opted in and uncertain."""
        if question.q.kind != "open" or not text or not self.model.configured or not uncertain(question.q, g):
            return g
        if not await self.model_grading(community_id):
            return g
        return await self.model.review(question.q, text, g)

    async def model_grading(self, community_id: int) -> bool:
        """Whether the community opted in to model grading (read at most once a minute per process)."""
        known = self._opted_in.get(community_id)
        if known is not None and time.monotonic() - known[1] < 60:
            return known[0]
        on = bool(await self.tx(lambda s: s.execute(select(Community.model_grading)
                                                      .where(Community.id == community_id)).scalar()))
        self._opted_in[community_id] = (on, time.monotonic())
        return on

    def model_grading_changed(self, community_id: int) -> None:
        self._opted_in.pop(community_id, None)

    def forget_ids(self, member: Member) -> None:
        """Drop a member's cached ids (their account is gone)."""
        self._ids.forget(member)

    def place_of(self, s: Session, channel_id: int) -> Place:
        """The platform's view of a channel, from its database id."""
        ch, comm = s.execute(select(Channel, Community).join(Community, Community.id == Channel.community_id)
                             .where(Channel.id == channel_id)).one()
        return Place(comm.platform, comm.external_id, ch.external_id, ch.name)

    def channel(self, s: Session, place: Place) -> tuple[Community, Channel]:
        """The community and channel rows of a place, created on first sight."""
        return identity.channel(s, place, timezone=self.settings.leaderboard.timezone)
