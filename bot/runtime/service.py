"""The scheduler: APScheduler jobs that tell the rounds component when a channel is due or a round is over.

Schedules live in our tables; jobs are rebuilt from them at start and after
every schedule change.  Job functions are module-level and take plain ids, so
nothing platform- or object-specific is ever pickled.  What happens when a job
fires (posting, retrying, closing, revealing) belongs to ``bot.rounds.lifecycle``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.engine import Engine
from bot.rounds.lifecycle import Poster
from bot.rounds.recap import first_day

log = logging.getLogger(__name__)


class PlatformRunner(Protocol):
    """What an adapter module's ``create(app)`` returns, for `drillbot run`."""

    platform: str

    async def start(self) -> None:
        """Connect and return once the platform is ready to post."""
        ...

    async def drain(self) -> None:
        """Stop taking deliveries and wait (bounded) for those in flight: stored and answered."""
        ...

    async def serve(self) -> None:
        """Handle the platform's events until stopped."""
        ...

    async def stop(self) -> None:
        ...


_SERVICES: dict[str, Service] = {}


def _job(fn: Callable[..., Awaitable[None]]) -> Callable[..., Coroutine[Any, Any, None]]:
    """A scheduler job that a shutdown may cut short: its cancellation is the end of the process, not an
    error (APScheduler would log it with a traceback); a job of a service already stopped does nothing.
    What it did not finish is picked up at the next start (every job's work is claimed in the database)."""
    @functools.wraps(fn)
    async def run(service_key: str, *args: Any) -> None:
        if service_key not in _SERVICES:
            return
        try:
            await fn(service_key, *args)
        except asyncio.CancelledError:
            log.info("job %s cut short by the shutdown", fn.__name__)
    return run


@_job
async def post_job(service_key: str, channel_id: int) -> None:
    """APScheduler job: post a channel's daily round if it is due (this firing is on time)."""
    await _SERVICES[service_key].engine.rounds.post_due(channel_id, on_time=True)


@_job
async def sweep_job(service_key: str) -> None:
    """APScheduler job: every process's housekeeping (overdue rounds, stale posts of any process)."""
    engine = _SERVICES[service_key].engine
    await engine.rounds.sweep(wait=False)
    await engine.recaps.sweep()


@_job
async def recap_job(service_key: str, channel_id: int) -> None:
    """APScheduler job: a channel's weekly recap is due (its first scheduled day of the week)."""
    await _SERVICES[service_key].engine.recaps.post_due(channel_id, on_time=True)


@_job
async def reminder_job(service_key: str) -> None:
    """APScheduler job, every minute: send the reminders members opted in to that are due now."""
    await _SERVICES[service_key].engine.reminders.tick()


def _not_a_busy_tick(record: logging.LogRecord) -> bool:
    """APScheduler warns when a run is skipped because the last is still going; for the sessions'
    tick that is expected (a step delivering through a paced platform outlasts a tick) and harmless."""
    msg = record.getMessage()
    return not ("sessions_job" in msg and "maximum number of running instances" in msg)


logging.getLogger("apscheduler.scheduler").addFilter(_not_a_busy_tick)
SESSIONS_TICK = 0.25  # seconds: a live question is revealed within this (plus the work) of its end
INTERVIEW_EVERY = 4  # ticks: interviews last minutes, so their deadlines are checked once a second


@_job
async def sessions_job(service_key: str) -> None:
    """APScheduler job, every ``SESSIONS_TICK``: take the live sessions' steps whose deadline has
    passed; every ``INTERVIEW_EVERY``th run (the first included) also end the interviews whose time is up."""
    service = _SERVICES[service_key]
    await service.engine.live.tick()
    service.session_ticks += 1
    if service.session_ticks % INTERVIEW_EVERY == 1:
        await service.engine.interviews.tick()


@_job
async def close_job(service_key: str, round_id: int) -> None:
    """APScheduler job: close a round at the end of its window."""
    await _SERVICES[service_key].engine.rounds.close(round_id, only_if_due=True)


class Service:
    """Runs the scheduler for one engine; the rounds component's ``Timers``."""

    def __init__(self, engine: Engine, *, key: str = "main") -> None:
        self.engine = engine
        self.key = key
        self.scheduler: AsyncIOScheduler | None = None
        self.session_ticks = 0
        engine.rounds.timers = self

    def add_poster(self, poster: Poster) -> None:
        """A platform is running: post its channels' rounds (and schedule them at the next rebuild)."""
        self.engine.rounds.add_poster(poster)
        if hasattr(poster, "deliver_session"):  # it also delivers live sessions' events
            self.engine.live.add_sink(poster)  # type: ignore[arg-type]
        if hasattr(poster, "deliver_interview"):  # it tells a candidate whose interview's time ran out
            self.engine.interviews.add_sink(poster)  # type: ignore[arg-type]

    async def start(self) -> None:
        """Catch up, then run the scheduler on the running event loop."""
        _SERVICES[self.key] = self
        await self.engine.rounds.catch_up()
        await self.engine.recaps.catch_up()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        await self.rebuild()
        self.scheduler.start()
        log.info("scheduler started")

    async def schedules_changed(self) -> None:
        await self.rebuild()

    async def rebuild(self) -> None:
        """(Re)create every job from the schedules and open rounds in the database."""
        if self.scheduler is None:
            return
        for job in self.scheduler.get_jobs():
            job.remove()
        rounds = self.engine.rounds
        # APScheduler may run a job late (a busy loop); post_due decides what is too late.
        grace = max(int(rounds.grace.total_seconds()), 60)
        for sched in await self.engine.schedules.active(tuple(rounds.posters)):
            t = sched.timing
            hh, mm = t.time_of_day.split(":")
            self.scheduler.add_job(
                post_job, CronTrigger(day_of_week=",".join(t.days), hour=int(hh), minute=int(mm),
                                      timezone=t.timezone),
                args=(self.key, sched.channel_id), id=f"post:{sched.channel_id}",
                misfire_grace_time=grace, coalesce=True, replace_existing=True)
            first = first_day(t)
            self.scheduler.add_job(
                recap_job, CronTrigger(day_of_week=first.days[0], hour=int(hh), minute=int(mm), timezone=t.timezone),
                args=(self.key, sched.channel_id), id=f"recap:{sched.channel_id}",
                misfire_grace_time=grace, coalesce=True, replace_existing=True)
        self.scheduler.add_job(reminder_job, IntervalTrigger(seconds=60), args=(self.key,), id="reminders",
                               coalesce=True, max_instances=1, misfire_grace_time=None, replace_existing=True)
        self.scheduler.add_job(sessions_job, IntervalTrigger(seconds=SESSIONS_TICK), args=(self.key,), id="sessions",
                               coalesce=True, max_instances=1, misfire_grace_time=None, replace_existing=True)
        self.scheduler.add_job(sweep_job, IntervalTrigger(seconds=rounds.sweep_every.total_seconds()),
                               args=(self.key,), id="sweep", coalesce=True, max_instances=1,
                               misfire_grace_time=None, replace_existing=True)
        rounds.timers_reset()  # the jobs were removed: arm every open round's close again
        for round_id, closes_at in await rounds.open_ids():
            rounds.arm(round_id, closes_at)

    def arm_close(self, round_id: int, closes_at: datetime) -> None:
        if self.scheduler is None:
            return
        # APScheduler runs on wall time; the engine's clock may be injected, so arm by delay.
        delay = max(closes_at - self.engine.clock.now(), timedelta(0))
        self.scheduler.add_job(close_job, DateTrigger(run_date=datetime.now(UTC) + delay),
                               args=(self.key, round_id), id=f"close:{round_id}",
                               misfire_grace_time=None, replace_existing=True)

    async def stop(self) -> None:
        await self.engine.rounds.stop()
        if self.scheduler is not None:
            if self.scheduler.running:  # a stop during start-up comes before the scheduler runs
                self.scheduler.shutdown(wait=False)
                log.info("scheduler stopped")
            self.scheduler = None
        _SERVICES.pop(self.key, None)
        await asyncio.sleep(0)
