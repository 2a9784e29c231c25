"""The weekly recap: each scheduled channel's week in one post, on its first scheduled day of the week.

The recap goes out at the channel's own time on the first of its days in a week (Monday for
a weekday schedule), covering the last full ISO week in the community's zone: the week's
board, the channel's best running streaks, and the question most members got wrong.  It is
claimed in the database before it is posted (``bot.members.deliveries``), so however many
processes run and however often they restart, a channel gets it once a week.  Admins turn
it off per channel (``schedule recap off``).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot import wording
from bot.boards import leaderboard
from bot.config import DAYS
from bot.core import Core
from bot.errors import ChannelUnavailable, UserError
from bot.members import deliveries
from bot.members.identity import Place
from bot.rounds.lifecycle import ON_TIME, Rounds
from bot.rounds.posting import backoff
from bot.rounds.schedules import Schedules
from bot.rounds.slots import Slot, Timing, last_slot
from bot.storage.models import Account, Answer, Channel, Community, Delivery, Round, Schedule, Streak
from bot.views import MissedQuestion, Notice, Recap, StreakRow

log = logging.getLogger(__name__)
BOARD_ROWS = 5
STREAK_ROWS = 3
RETRY_FOR = timedelta(hours=12)  # a claimed recap that failed is retried this long after its time


@runtime_checkable
class RecapPoster(Protocol):
    """What a platform's Poster adds to post recaps."""

    async def post_recap(self, place: Place, recap: Recap, key: str) -> None:
        """Post a channel's weekly recap; ``key`` is its idempotency key (the same on every try)."""
        ...


def first_day(t: Timing) -> Timing:
    """The recap's own timing: the channel's time, on the first of its days in a week."""
    first = next(d for d in DAYS if d in t.days)
    return Timing(t.time_of_day, t.timezone, (first,))


def recap_key(channel_id: int, slot: Slot) -> str:
    return f"recap:{channel_id}:{slot.key}"


def last_week(at: datetime, tz: str) -> tuple[datetime, datetime]:
    """The last full ISO week (Monday 00:00 to Monday 00:00 in ``tz``) before ``at``, in UTC."""
    local = at.astimezone(ZoneInfo(tz)).date()
    monday = local - timedelta(days=local.weekday())
    start, end = monday - timedelta(days=7), monday

    def utc(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return utc(start), utc(end)


def build(s: Session, core: Core, channel_id: int, at: datetime) -> Recap | None:
    """The recap of the week before ``at`` for one channel; None when the week had nothing to show."""
    ch, comm = s.execute(select(Channel, Community).join(Community, Community.id == Channel.community_id)
                         .where(Channel.id == channel_id)).one()
    start, end = last_week(at, comm.timezone)
    board = leaderboard.board(s, community_id=comm.id, account_id=None, period="week", now=start,
                              tz=comm.timezone, size=BOARD_ROWS)
    per_round = s.execute(
        select(Round.id, Round.question_id, func.count(Answer.id),
               func.coalesce(func.sum(case((Answer.correct, 1), else_=0)), 0))
        .outerjoin(Answer, Answer.round_id == Round.id)
        .where(Round.channel_id == channel_id, Round.opened_at >= start, Round.opened_at < end,
               Round.post_state == "posted")
        .group_by(Round.id, Round.question_id).order_by(Round.opened_at, Round.id)).all()
    missed: MissedQuestion | None = None
    worst = 0
    for _rid, qid, answered, correct in per_round:
        wrong = int(answered) - int(correct)
        lq = core.library.get(qid)
        if lq is None or wrong <= worst:
            continue  # the earlier of two equally missed questions stays
        worst = wrong
        idx = lq.q.correct_index
        missed = MissedQuestion(qid, lq.topic_title, lq.q.prompt, lq.q.options[idx] if idx is not None else None,
                                int(answered), int(correct))
    streaks = tuple(StreakRow(name, n) for name, n in s.execute(
        select(Account.display_name, Streak.current).join(Account, Account.id == Streak.account_id)
        .where(Streak.channel_id == channel_id, Streak.current > 0)
        .order_by(Streak.current.desc(), Streak.best.desc(), Account.id).limit(STREAK_ROWS)))
    if not per_round and not board.rows:
        return None
    return Recap(ch.name or ch.external_id, board.label, board.rows, streaks, missed, len(per_round))


class Recaps:
    """Weekly recaps: due when a channel's first scheduled day of the week comes round."""

    def __init__(self, core: Core, schedules: Schedules, rounds: Rounds) -> None:
        self.core = core
        self.schedules = schedules
        self.rounds = rounds

    async def post_due(self, channel_id: int, *, on_time: bool = False) -> bool:
        """Post the channel's recap if this week's is due and not yet claimed; True if this call posted it."""
        sched = await self.schedules.active_one(channel_id)
        if sched is None:
            return False
        now = self.core.clock.now()
        slot = last_slot(first_day(sched.timing), now)
        if slot is None:
            return False
        key = recap_key(channel_id, slot)
        late = now - slot.at
        # Too late for a first try; one already claimed (and failed) is retried for a while.
        if late > self.rounds.grace and not (on_time and late < ON_TIME) and (
                late > RETRY_FOR or not await self.core.tx(lambda s: s.get(Delivery, key) is not None)):
            return False
        owner, until = self.rounds.process, now + self.rounds.lease

        def claim(s: Session) -> tuple[Place, Recap | None] | None:
            sc = s.get(Schedule, channel_id)
            if sc is None or sc.paused or not sc.recap:
                return None
            if not deliveries.claim(s, key, owner=owner, now=now, until=until):
                return None
            recap = build(s, self.core, channel_id, slot.at)
            if recap is None:
                deliveries.done(s, key, state="skipped")
            return self.core.place_of(s, channel_id), recap
        claimed = await self.core.tx(claim)
        if claimed is None or claimed[1] is None:
            return False
        place, recap = claimed
        poster = self.rounds.posters.get(place.platform)
        if not isinstance(poster, RecapPoster):
            await self.core.tx(lambda s: deliveries.failed(s, key, retry_at=now))
            return False
        try:
            await poster.post_recap(place, recap, key)
        except ChannelUnavailable as exc:
            log.warning("channel %s: the weekly recap was refused (%s); not retried", channel_id, exc)
            await self.core.tx(lambda s: deliveries.done(s, key, state="skipped"))
            return False
        except Exception as exc:
            log.warning("channel %s: posting the weekly recap failed (%s); retrying later", channel_id,
                        exc or type(exc).__name__)
            await self.core.tx(lambda s: deliveries.failed(s, key, retry_at=self.core.clock.now(), wait=backoff))
            return False
        await self.core.tx(lambda s: deliveries.done(s, key))
        return True

    async def sweep(self) -> None:
        """Retry recaps whose try failed, or whose process died, once their lease has passed."""
        now = self.core.clock.now()
        keys = await self.core.tx(lambda s: list(s.execute(
            select(Delivery.key).where(Delivery.key.like("recap:%"), Delivery.state.in_(("sending", "failed")),
                                       Delivery.lease_until <= now, Delivery.created_at > now - RETRY_FOR)
        ).scalars()))
        for key in keys:
            try:
                await self.post_due(int(key.split(":")[1]))
            except Exception:
                log.exception("%s: retrying the weekly recap failed", key)

    async def catch_up(self) -> None:
        """At start: post every recap that fell due while the bot was down (within grace)."""
        for sched in await self.schedules.active(tuple(self.rounds.posters)):
            try:
                await self.post_due(sched.channel_id)
            except Exception:
                log.exception("channel %s: the weekly recap's catch-up failed", sched.channel_id)

    async def enable(self, place: Place, on: bool) -> Notice:
        """Admins: the channel's weekly recap on or off."""
        def work(s: Session) -> bool:
            _c, ch = self.core.channel(s, place)
            sched = s.get(Schedule, ch.id)
            if sched is None:
                return False
            sched.recap = on
            return True
        if not await self.core.tx(work):
            raise UserError(wording.NO_SCHEDULE)
        return Notice(wording.RECAP_ON if on else wording.RECAP_OFF)
