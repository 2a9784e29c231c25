"""The members component: ids for a member, forget-me, and platform deliveries claimed once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import wording
from bot.boards import scoreboard
from bot.core import Core
from bot.members.identity import Ids, Member
from bot.storage.models import Account, Answer, Card, PracticeAnswer, ProcessedEvent, Report, Streak
from bot.storage.upsert import insert_for
from bot.views import Notice


class Members:
    """Who a member is in the database, and deleting them on request."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._claims = 0

    async def resolve(self, member: Member) -> Ids:
        """Database ids for a member (created on first sight; see ``Core.resolve``)."""
        return await self.core.resolve(member)

    async def forget(self, member: Member) -> Notice:
        """Delete every row about ``member``'s account (answers, scores, streaks, reviews, reports)."""
        def work(s: Session) -> bool:
            acc = s.execute(select(Account).where(Account.platform == member.platform,
                                                  Account.external_id == member.user)).scalar_one_or_none()
            if acc is None:
                return False
            scoreboard.forget(s.connection(), acc.id)
            for model in (Answer, PracticeAnswer, Card, Streak):
                s.execute(delete(model).where(model.account_id == acc.id))
            s.execute(delete(Report).where(Report.account_id == acc.id))
            s.delete(acc)
            return True
        existed = await self.core.tx(work)
        self.core.forget_ids(member)
        return Notice(wording.FORGOTTEN if existed else wording.NOTHING_TO_FORGET)

    async def claim(self, platform: str, event_id: str) -> bool:
        """True the first time a platform delivery (interaction id, Slack retry) is seen, else False."""
        now = self.core.clock.now()

        def work(s: Session) -> bool:
            conn = s.connection()
            table = ProcessedEvent.__table__
            done = conn.execute(insert_for(conn.dialect.name, table)
                                .values(platform=platform, event_id=event_id[:200], created_at=now)
                                .on_conflict_do_nothing().returning(table.c.event_id)).scalar_one_or_none()
            self._claims += 1
            if self._claims % 1000 == 0:  # forget deliveries too old to be replayed
                conn.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < now - timedelta(days=2)))
            return done is not None
        return await self.core.tx(work)

    async def release(self, platform: str, event_id: str) -> None:
        """Forget a claim whose work failed, so the platform's retry of that delivery is handled."""
        await self.core.tx(lambda s: s.execute(delete(ProcessedEvent).where(
            ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id[:200])))
