"""The members component: ids for a member, forget-me, and platform deliveries claimed once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from bot import wording
from bot.boards import scoreboard
from bot.core import Core
from bot.errors import DrillError, UserError
from bot.members.identity import Ids, Member, Place
from bot.storage.batch import GroupCommit
from bot.storage.models import Account, Answer, Card, PracticeAnswer, ProcessedEvent, Report, Streak, Welcome
from bot.storage.upsert import insert_for
from bot.views import Notice

ForgetHook = Callable[[Member], Awaitable[bool]]


_CLAIM: dict[str, Any] = {}  # dialect name -> the claim INSERT ... ON CONFLICT DO NOTHING RETURNING


class Members:
    """Who a member is in the database, and deleting them on request."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._claims = 0
        self._forget_hooks: list[ForgetHook] = []
        # Deliveries claimed together (a crowd's commands) share one transaction.
        self._claimer: GroupCommit[tuple[str, str], bool] = GroupCommit(core.db, self._claim_many)

    def on_forget(self, hook: ForgetHook) -> None:
        """Also run ``hook`` on forget-me: an adapter deleting what it stores itself (True: it held something)."""
        self._forget_hooks.append(hook)

    async def resolve(self, member: Member) -> Ids:
        """Database ids for a member (created on first sight; see ``Core.resolve``)."""
        return await self.core.resolve(member)

    async def rename(self, members: list[Member]) -> None:
        """Store members' display names on their accounts, those that have one (never creates one:
        a name learned after a refused request must leave no row); one statement for the batch.

        A Core UPDATE run with each member's parameters (executemany): the ORM's ``update()``
        compiled and evaluated its criteria once per member, ~0.5 ms each behind a crowd of
        newcomers' names."""
        rows = [{"p": m.platform, "u": m.user, "n": m.name} for m in members if m.name]
        if not rows:
            return
        table = cast(Table, Account.__table__)
        stmt = (update(table).where(table.c.platform == bindparam("p"), table.c.external_id == bindparam("u"),
                                    table.c.display_name != bindparam("n"))
                .values(display_name=bindparam("n")))
        await self.core.tx(lambda s: s.connection().execute(stmt, rows))

    async def model_grading(self, place: Place, on: bool) -> Notice:
        """Admins: let open answers of this community go to the configured grading model, or stop it."""
        if on and not self.core.model.configured:
            raise UserError(wording.NO_GRADING_MODEL)

        def work(s: Session) -> int:
            comm, _ch = self.core.channel(s, place)
            comm.model_grading = on
            return comm.id
        self.core.model_grading_changed(await self.core.tx(work))
        return Notice(wording.MODEL_GRADING_ON if on else wording.MODEL_GRADING_OFF)

    async def forget(self, member: Member) -> Notice:
        """Delete every row about ``member``'s account (answers, scores, streaks, reviews, reports),
        and whatever adapters registered with ``on_forget`` hold (a Slack installer's user id)."""
        def work(s: Session) -> bool:
            acc = s.execute(select(Account).where(Account.platform == member.platform,
                                                  Account.external_id == member.user)).scalar_one_or_none()
            if acc is None:
                return False
            scoreboard.forget(s.connection(), acc.id)
            for model in (Answer, PracticeAnswer, Card, Streak):
                s.execute(delete(model).where(model.account_id == acc.id))
            s.execute(delete(Report).where(Report.account_id == acc.id))
            s.execute(delete(Welcome).where(Welcome.platform == member.platform,
                                            Welcome.target == home_target(member.community, member.user)))
            s.delete(acc)
            return True
        existed = await self.core.tx(work)
        for hook in self._forget_hooks:
            existed = await hook(member) or existed
        self.core.forget_ids(member)
        return Notice(wording.FORGOTTEN if existed else wording.NOTHING_TO_FORGET)

    async def claim(self, platform: str, event_id: str) -> bool:
        """True the first time a platform delivery (interaction id, Slack retry) is seen, else False.

        Claims that arrive together are written in one transaction (group commit); each is
        answered only once that transaction has committed."""
        return await self._claimer.submit((platform, event_id[:200]))

    def _claim_many(self, s: Session, items: list[tuple[str, str]]) -> list[bool | DrillError]:
        now = self.core.clock.now()
        conn = s.connection()
        unique = list(dict.fromkeys(items))
        # One statement for the batch, the rows as parameters (SQLAlchemy sends them as one
        # multi-row INSERT, compiled once; rows in the statement itself were compiled anew for every
        # batch, 6.9 -> 1.5 ms per 200 on SQLite): the rows it inserted are the deliveries claimed now.
        stmt = _CLAIM.get(conn.dialect.name)
        if stmt is None:
            table = ProcessedEvent.__table__
            stmt = _CLAIM[conn.dialect.name] = (insert_for(conn.dialect.name, table).on_conflict_do_nothing()
                                                .returning(table.c.platform, table.c.event_id))
        new = {(p, e) for p, e in conn.execute(
            stmt, [{"platform": p, "event_id": e, "created_at": now} for p, e in unique])}
        out: list[bool | DrillError] = []
        given: set[tuple[str, str]] = set()
        for item in items:  # a repeat within the batch loses to the first
            out.append(item in new and item not in given)
            given.add(item)
        before = self._claims
        self._claims += len(items)
        if self._claims // 1000 != before // 1000:  # forget deliveries too old to be replayed
            conn.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < now - timedelta(days=2)))
        return out

    async def first_welcome(self, platform: str, target: str) -> bool:
        """True the first time ever the bot welcomes ``target`` (a server, a channel, a member's Home);
        stored for good, so a restart, a rejoin or a second process never says it twice."""
        now = self.core.clock.now()

        def work(s: Session) -> bool:
            conn = s.connection()
            table = Welcome.__table__
            return conn.execute(insert_for(conn.dialect.name, table)
                                .values(platform=platform, target=target[:200], created_at=now)
                                .on_conflict_do_nothing().returning(table.c.target)).scalar_one_or_none() is not None
        return await self.core.tx(work)

    async def release(self, platform: str, event_id: str) -> None:
        """Forget a claim whose work failed, so the platform's retry of that delivery is handled."""
        await self.core.tx(lambda s: s.execute(delete(ProcessedEvent).where(
            ProcessedEvent.platform == platform, ProcessedEvent.event_id == event_id[:200])))


def home_target(community: str, user: str) -> str:
    """The welcome key of a member's first App Home visit (forgotten with the member)."""
    return f"home:{community}/{user}"
