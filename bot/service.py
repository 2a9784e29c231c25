"""The running bot: the engine, the platforms it posts to, and the scheduler.

Schedules live in our tables; APScheduler jobs are rebuilt from them at
start and after every schedule change.  Job functions are module-level and
take plain ids, so nothing platform- or object-specific is ever pickled.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot import wording
from bot.engine import ClosedRound, Engine, OpenedRound
from bot.errors import ChannelUnavailable, DrillError
from bot.identity import Place
from bot.schedule import last_slot
from bot.schedules import LostChannel
from bot.views import QuestionCard, Summary

log = logging.getLogger(__name__)


class Poster(Protocol):
    """What a platform adapter implements so the engine can post to its channels."""

    platform: str

    async def post_round(self, place: Place, card: QuestionCard) -> str | None:
        """Post a daily question; return a reference to the message (for later edits)."""
        ...

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        """Refresh a posted question (answer count, or the reveal when ``summary`` is given)."""
        ...

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        """Post the round's summary (in the question's thread where the platform has one)."""
        ...

    async def channel_lost(self, place: Place, user: str) -> None:
        """Tell ``user`` (an admin) privately that the bot can no longer post in ``place`` and
        has paused its schedule (``wording.CHANNEL_LOST``, with the platform's channel link)."""
        ...


class PlatformRunner(Protocol):
    """What an adapter module's ``create(app)`` returns, for `drillbot run`."""

    platform: str

    async def start(self) -> None:
        """Connect and return once the platform is ready to post."""
        ...

    async def serve(self) -> None:
        """Handle the platform's events until stopped."""
        ...

    async def stop(self) -> None:
        ...


_SERVICES: dict[str, Service] = {}


async def post_job(service_key: str, channel_id: int) -> None:
    """APScheduler job: post a channel's daily round if it is due."""
    await _SERVICES[service_key].post_due(channel_id)


async def close_job(service_key: str, round_id: int) -> None:
    """APScheduler job: close a round at the end of its window."""
    await _SERVICES[service_key].close(round_id, only_if_due=True)


class Service:
    def __init__(self, engine: Engine, *, grace: timedelta, key: str = "main") -> None:
        self.engine = engine
        self.grace = grace
        self.key = key
        self.posters: dict[str, Poster] = {}
        self.scheduler: AsyncIOScheduler | None = None
        self._refreshing: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def add_poster(self, poster: Poster) -> None:
        self.posters[poster.platform] = poster

    # -- posting --------------------------------------------------------------------------

    async def publish(self, opened: OpenedRound) -> None:
        """Post an opened round to its platform and arm its close timer."""
        poster = self.posters.get(opened.place.platform)
        self._arm_close(opened.round_id, opened.closes_at)
        if poster is None:
            log.warning("round %s: no adapter for %s is running; it will post when one is",
                        opened.round_id, opened.place.platform)
            return
        await self.engine.set_post_state(opened.round_id, "posting")
        try:
            ref = await poster.post_round(opened.place, opened.card)
        except ChannelUnavailable as exc:
            # Retrying would only collect more refusals (Discord bans IPs for too many 403s).
            channel_id = opened.channel_id or await self.engine.channel_of(opened.round_id)
            lost = await self.engine.pause_channel(
                channel_id, wording.LOST_REASON.format(when=f"{self.engine.clock.now():%Y-%m-%d %H:%M} UTC",
                                                       error=exc))
            await self.engine.set_post_state(opened.round_id, "unavailable")
            await self.engine.close_round(opened.round_id)
            log.warning("round %s: %s refused the post (%s); the channel's schedule is paused until an "
                        "admin resumes it", opened.round_id, opened.place, exc)
            await self.rebuild()
            await self._report_lost(poster, lost)
            return
        except Exception:
            log.exception("round %s: posting to %s failed", opened.round_id, opened.place)
            await self.engine.set_post_state(opened.round_id, "failed")
            return
        await self.engine.set_post_state(opened.round_id, "posted", ref)

    async def _report_lost(self, poster: Poster, lost: LostChannel) -> None:
        """Tell the admin who set the schedule, privately; the log line above is the fallback."""
        if lost.admin is None:
            return
        try:
            await poster.channel_lost(lost.place, lost.admin)
        except Exception as exc:  # they may not take direct messages: the log still has it
            log.warning("could not tell admin %s that %s was lost: %s", lost.admin, lost.place, exc)

    async def post_now(self, place: Place) -> OpenedRound:
        """Open and post a round right away (the "post now" command)."""
        opened = await self.engine.open_round(place)
        assert opened is not None  # manual slots are unique
        await self.publish(opened)
        return opened

    async def post_due(self, channel_id: int) -> OpenedRound | None:
        """Post the channel's latest scheduled slot if it has no round yet and is not too late."""
        sched = await self.engine.active_schedule(channel_id)
        if sched is None:
            return None
        now = self.engine.clock.now()
        slot = last_slot(sched.timing, now)
        if slot is None or now - slot.at > self.grace:
            return None
        previous = await self.engine.open_round_of(channel_id)
        if previous is not None and previous[1] != slot.key:
            # A window longer than the gap between posts: reveal the old question first.
            await self.close(previous[0])
        try:
            opened = await self.engine.open_scheduled(channel_id, slot.key)
        except DrillError:
            log.exception("channel %s: could not open the %s round", channel_id, slot.key)
            return None
        if opened is not None:
            await self.publish(opened)
        return opened

    async def close(self, round_id: int, *, only_if_due: bool = False) -> ClosedRound | None:
        closed = await self.engine.close_round(round_id, only_if_due=only_if_due)
        if closed is None:
            return None
        poster = self.posters.get(closed.place.platform)
        if poster is not None:
            try:
                if closed.message_ref is not None:
                    await poster.update_round(closed.place, closed.message_ref, closed.summary.question,
                                              closed.summary)
                await poster.post_summary(closed.place, closed.message_ref, closed.summary)
            except Exception:
                log.exception("round %s: posting the summary to %s failed", round_id, closed.place)
        return closed

    async def refresh(self, round_id: int) -> None:
        """Update a posted round's live answer count."""
        place, ref, card = await self.engine.round_card(round_id)
        poster = self.posters.get(place.platform)
        if poster is not None and ref is not None and card.closes_at and card.closes_at > self.engine.clock.now():
            await poster.update_round(place, ref, card, None)

    def answered(self, round_id: int, *, delay: float = 2.0) -> None:
        """Note an answer: the post's live count is refreshed once per ``delay`` seconds at most."""
        if round_id in self._refreshing:
            return

        async def later() -> None:
            try:
                await asyncio.sleep(delay)
                self._refreshing.discard(round_id)
                await self.refresh(round_id)
            except Exception:
                log.exception("round %s: refreshing the answer count failed", round_id)
            finally:
                self._refreshing.discard(round_id)
                self._tasks.discard(task)

        self._refreshing.add(round_id)
        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)

    # -- start-up and the scheduler -------------------------------------------------------

    async def catch_up(self) -> None:
        """Close overdue rounds, retry failed posts, and make missed posts still within grace."""
        for round_id in await self.engine.overdue_rounds():
            await self.close(round_id)
        for round_id in await self.engine.retryable_rounds():
            place, _ref, card = await self.engine.round_card(round_id)
            if place.platform in self.posters and card.closes_at is not None:
                await self.publish(OpenedRound(round_id, place, card, card.closes_at))
        for sched in await self.engine.active_schedules(tuple(self.posters)):
            try:
                await self.post_due(sched.channel_id)
            except Exception:  # one channel's failure never stops the others
                log.exception("channel %s: catch-up failed", sched.channel_id)

    async def start(self) -> None:
        """Catch up, then run the scheduler on the running event loop."""
        _SERVICES[self.key] = self
        await self.catch_up()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        await self.rebuild()
        self.scheduler.start()

    async def rebuild(self) -> None:
        """(Re)create every job from the schedules and open rounds in the database."""
        if self.scheduler is None:
            return
        for job in self.scheduler.get_jobs():
            job.remove()
        for sched in await self.engine.active_schedules(tuple(self.posters)):
            t = sched.timing
            hh, mm = t.time_of_day.split(":")
            self.scheduler.add_job(
                post_job, CronTrigger(day_of_week=",".join(t.days), hour=int(hh), minute=int(mm),
                                      timezone=t.timezone),
                args=(self.key, sched.channel_id), id=f"post:{sched.channel_id}",
                misfire_grace_time=int(self.grace.total_seconds()) or 1, coalesce=True,
                replace_existing=True)
        for round_id, closes_at in await self.engine.open_rounds():
            self._arm_close(round_id, closes_at)

    def _arm_close(self, round_id: int, closes_at: datetime) -> None:
        if self.scheduler is None:
            return
        # APScheduler runs on wall time; the engine's clock may be injected, so arm by delay.
        delay = max(closes_at - self.engine.clock.now(), timedelta(0))
        self.scheduler.add_job(close_job, DateTrigger(run_date=datetime.now(UTC) + delay),
                               args=(self.key, round_id), id=f"close:{round_id}",
                               misfire_grace_time=None, replace_existing=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        _SERVICES.pop(self.key, None)
        await asyncio.sleep(0)
