"""Channel schedules: shown to everyone, set, paused and removed by admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import wording
from bot.config import DAYS, check_days, check_time, check_timezone
from bot.content import LEVELS
from bot.core import Core
from bot.errors import UserError
from bot.members import identity
from bot.members.identity import Member, Place
from bot.rounds.slots import Timing, next_slot, next_slots
from bot.rounds.store import Filters
from bot.storage.models import Account, Channel, Community, Round, Schedule
from bot.views import Notice, ScheduleView


def _csv(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(values)


def _uncsv(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v)


def schedule_active(s: Session, channel_id: int) -> bool:
    """Whether the channel has a schedule that is not paused."""
    sched = s.get(Schedule, channel_id)
    return sched is not None and not sched.paused


def round_rules(s: Session, channel_id: int, default_window: int) -> tuple[Filters, int]:
    """The question filters and answer window (minutes) of a channel's rounds."""
    sched = s.get(Schedule, channel_id)
    if sched is None:
        return Filters(), default_window
    return (Filters(packs=_uncsv(sched.packs), topics=_uncsv(sched.topics), levels=_uncsv(sched.levels)),
            sched.window_minutes)


@dataclass(frozen=True, slots=True)
class ActiveSchedule:
    channel_id: int
    timing: Timing


@dataclass(frozen=True, slots=True)
class LostChannel:
    """A channel whose schedule the bot paused because it can no longer post there."""

    place: Place
    admin: str | None  # the platform user id of the admin who set the schedule, if known


class Schedules:
    """Channel schedules: read by everyone, changed by admins, paused when a channel is lost."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.library = core.library

    async def get(self, place: Place) -> ScheduleView | None:
        now = self.core.clock.now()

        def work(s: Session) -> ScheduleView | None:
            _c, ch = self.core.channel(s, place)
            sched = s.get(Schedule, ch.id)
            if sched is None:
                return None
            return self._schedule_view(s, ch, sched, now)
        return await self.core.tx(work)

    def _schedule_view(self, s: Session, ch: Channel, sched: Schedule, now: datetime) -> ScheduleView:
        timing = Timing(sched.time_of_day, sched.timezone, _uncsv(sched.days))
        nxt = None if sched.paused else next_slot(timing, now)
        pool = self.library.select(packs=_uncsv(sched.packs), topics=_uncsv(sched.topics),
                                   levels=_uncsv(sched.levels))
        asked = set(s.execute(select(Round.question_id).where(Round.channel_id == ch.id)).scalars())
        return ScheduleView(channel=ch.name or ch.external_id, time_of_day=sched.time_of_day,
                            timezone=sched.timezone, days=timing.days, window_minutes=sched.window_minutes,
                            topics=_uncsv(sched.topics), levels=_uncsv(sched.levels), paused=sched.paused,
                            paused_reason=sched.paused_reason, next_post=nxt.at if nxt else None,
                            remaining=sum(1 for q in pool if q.id not in asked),
                            next_posts=() if sched.paused else tuple(x.at for x in next_slots(timing, now)))

    async def set(self, place: Place, *, time_of_day: str, timezone: str,
                           days: list[str] | tuple[str, ...] = DAYS, window_minutes: int | None = None,
                           topics: tuple[str, ...] = (), levels: tuple[str, ...] = (),
                           only_if_missing: bool = False, by: Member | None = None) -> ScheduleView:
        """Create or replace a channel's schedule; bad values raise UserError naming the value.

        ``by``: the admin setting it, who is told privately if the bot later loses the channel.
        """
        try:
            t = check_time(time_of_day)
            tz = check_timezone(timezone)
            d = check_days(list(days))
        except ValueError as exc:
            raise UserError(str(exc)) from None
        window = window_minutes or self.core.settings.rounds.window_minutes
        if not isinstance(window, int) or isinstance(window, bool) or not 5 <= window <= 7 * 24 * 60:
            raise UserError(wording.BAD_WINDOW)
        known = self.library.topics()
        bad = [x for x in topics if x not in known]
        if bad:
            raise UserError(wording.UNKNOWN_TOPICS.format(bad=wording.shown(", ".join(bad)),
                                                          topics=", ".join(sorted(known))))
        if any(lv not in LEVELS for lv in levels):
            raise UserError(wording.LEVELS_ARE.format(levels=", ".join(LEVELS)))
        if not self.library.select(topics=topics, levels=levels):
            raise UserError(wording.NO_MATCHING_QUESTIONS)
        now = self.core.clock.now()

        def work(s: Session) -> ScheduleView:
            _c, ch = self.core.channel(s, place)
            sched = s.get(Schedule, ch.id)
            if sched is not None and only_if_missing:
                return self._schedule_view(s, ch, sched, now)
            if sched is None:
                sched = Schedule(channel_id=ch.id)
                s.add(sched)
            sched.time_of_day, sched.timezone, sched.days = t, tz, _csv(d)
            sched.window_minutes, sched.topics, sched.levels = window, _csv(topics), _csv(levels)
            sched.packs, sched.paused, sched.paused_reason, sched.updated_at = "", False, "", now
            sched.set_by = identity.account(s, by).id if by is not None else None
            s.flush()
            return self._schedule_view(s, ch, sched, now)
        return await self.core.tx(work)

    async def pause_lost(self, channel_id: int, reason: str) -> LostChannel:
        """Pause a channel's schedule because the bot lost access; where it was and whom to tell."""
        def work(s: Session) -> LostChannel:
            sched = s.get(Schedule, channel_id)
            admin = None
            if sched is not None:
                sched.paused = True
                sched.paused_reason = reason
                sched.updated_at = self.core.clock.now()
                if sched.set_by is not None:
                    admin = s.execute(select(Account.external_id).where(Account.id == sched.set_by)).scalar()
            return LostChannel(self.core.place_of(s, channel_id), admin)
        return await self.core.tx(work)

    async def pause(self, place: Place, paused: bool) -> Notice:
        def work(s: Session) -> bool:
            _c, ch = self.core.channel(s, place)
            sched = s.get(Schedule, ch.id)
            if sched is None:
                return False
            sched.paused = paused
            sched.paused_reason = ""
            sched.updated_at = self.core.clock.now()
            return True
        if not await self.core.tx(work):
            raise UserError(wording.NO_SCHEDULE)
        return Notice(wording.PAUSED if paused else wording.RESUMED)

    async def remove(self, place: Place) -> Notice:
        def work(s: Session) -> bool:
            _c, ch = self.core.channel(s, place)
            return bool(s.execute(delete(Schedule).where(Schedule.channel_id == ch.id)).rowcount)  # type: ignore[attr-defined]
        if not await self.core.tx(work):
            raise UserError(wording.NO_SCHEDULE)
        return Notice(wording.REMOVED)

    async def active_one(self, channel_id: int) -> ActiveSchedule | None:
        """One channel's schedule, if it is active (what a firing job needs; no full scan)."""
        def work(s: Session) -> ActiveSchedule | None:
            sc = s.get(Schedule, channel_id)
            if sc is None or sc.paused:
                return None
            return ActiveSchedule(sc.channel_id, Timing(sc.time_of_day, sc.timezone, _uncsv(sc.days)))
        return await self.core.tx(work)

    async def active(self, platforms: tuple[str, ...] | None = None) -> list[ActiveSchedule]:
        def work(s: Session) -> list[ActiveSchedule]:
            q = (select(Schedule, Community.platform).join(Channel, Channel.id == Schedule.channel_id)
                 .join(Community, Community.id == Channel.community_id).where(Schedule.paused.is_(False)))
            return [ActiveSchedule(sc.channel_id, Timing(sc.time_of_day, sc.timezone, _uncsv(sc.days)))
                    for sc, platform in s.execute(q) if platforms is None or platform in platforms]
        return await self.core.tx(work)
