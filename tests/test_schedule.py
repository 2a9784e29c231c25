"""Schedules: local time across daylight saving, catch-up after downtime, no double posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.clock import FakeClock
from bot.errors import UserError
from bot.members.identity import Place
from bot.rounds.slots import Timing, last_slot, next_slot, slot_on
from bot.runtime.builder import App
from tests.conftest import PLACE, FakePoster, make_app, member

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize(("day", "expected_utc_hour"), [
    (date(2026, 3, 7), 14),  # Saturday before US clocks go forward: EST, UTC-5
    (date(2026, 3, 8), 13),  # Sunday: EDT, UTC-4
    (date(2026, 10, 31), 13),
    (date(2026, 11, 1), 14),  # back to EST
])
def test_local_time_holds_across_dst(day: date, expected_utc_hour: int) -> None:
    slot = slot_on(day, Timing("09:00", "America/New_York", EVERY_DAY))
    assert slot is not None and slot.at.hour == expected_utc_hour and slot.at.minute == 0
    assert slot.key == day.isoformat()


def test_slot_agrees_with_apscheduler_cron_trigger_across_dst() -> None:
    timing = Timing("09:00", "Europe/Berlin", EVERY_DAY)
    trigger = CronTrigger(hour=9, minute=0, timezone="Europe/Berlin")
    now = datetime(2026, 3, 27, 12, tzinfo=UTC)
    for _ in range(5):  # spans the 29 March switch to summer time
        fire = trigger.get_next_fire_time(None, now)
        ours = next_slot(timing, now)
        assert ours is not None and fire is not None
        assert fire.astimezone(UTC) == ours.at
        now = ours.at + timedelta(minutes=1)


def test_nonexistent_local_time_posts_when_the_clocks_land() -> None:
    slot = slot_on(date(2026, 3, 8), Timing("02:30", "America/New_York", EVERY_DAY))
    assert slot is not None and slot.at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT


def test_days_of_week_are_respected() -> None:
    weekdays = Timing("09:00", "UTC", ("mon", "tue", "wed", "thu", "fri"))
    saturday_noon = datetime(2026, 11, 21, 12, tzinfo=UTC)
    last = last_slot(weekdays, saturday_noon)
    nxt = next_slot(weekdays, saturday_noon)
    assert last is not None and last.key == "2026-11-20"
    assert nxt is not None and nxt.key == "2026-11-23"


async def test_scheduled_post_at_local_time_then_close(app: App, poster: FakePoster, clock: FakeClock) -> None:
    await app.engine.schedules.set(PLACE, time_of_day="09:30", timezone="Europe/Berlin", days=EVERY_DAY,
                                  window_minutes=60)
    await app.service.start()
    try:
        job = app.service.scheduler.get_job("post:1") if app.service.scheduler else None
        assert job is not None
        assert job.next_run_time.astimezone(UTC).strftime("%H:%M") == "08:30"  # 09:30 CET
        clock.set(datetime(2026, 11, 16, 8, 30, 5, tzinfo=UTC))
        opened = await app.engine.rounds.post_due(1)  # what the job runs when it fires
        assert opened is not None and len(poster.posts) == 1
        assert app.service.scheduler is not None and app.service.scheduler.get_job(f"close:{opened.round_id}")
        assert await app.engine.rounds.post_due(1) is None  # same slot: nothing more
        clock.advance(hours=1)
        from bot.runtime.service import close_job
        await close_job(app.service.key, opened.round_id)
        assert len(poster.summaries) == 1
    finally:
        await app.service.stop()


async def test_missed_post_within_grace_is_made_on_start_and_not_after(db_url: str, clock: FakeClock) -> None:
    app = make_app(db_url, clock)
    try:
        await app.engine.schedules.set(PLACE, time_of_day="07:00", timezone="UTC", days=EVERY_DAY)
        poster = FakePoster()
        app.service.add_poster(poster)
        clock.set(datetime(2026, 11, 16, 8, 59, tzinfo=UTC))  # 1 h 59 late, grace is 2 h
        await app.service.start()
        await app.service.stop()
        assert len(poster.posts) == 1
        clock.set(datetime(2026, 11, 17, 9, 1, tzinfo=UTC))  # next day, 2 h 01 late: skipped
        await app.service.start()
        await app.service.stop()
        assert len(poster.posts) == 1
    finally:
        app.close()


async def test_overdue_rounds_are_closed_on_start(app: App, poster: FakePoster, clock: FakeClock) -> None:
    opened = await app.engine.rounds.post_now(PLACE)
    clock.advance(days=2)
    await app.service.start()
    await app.service.stop()
    assert [sm.round_id for _c, sm in poster.summaries] == [opened.round_id]  # type: ignore[attr-defined]


async def test_two_processes_never_post_the_same_slot(db_url: str, clock: FakeClock) -> None:
    one, two = make_app(db_url, clock, key="one"), make_app(db_url, clock, key="two")
    try:
        await one.engine.schedules.set(PLACE, time_of_day="08:00", timezone="UTC", days=EVERY_DAY)
        p1, p2 = FakePoster(), FakePoster()
        one.service.add_poster(p1)
        two.service.add_poster(p2)
        clock.set(datetime(2026, 11, 16, 8, 0, 1, tzinfo=UTC))
        import asyncio
        await asyncio.gather(one.service.engine.rounds.post_due(1), two.service.engine.rounds.post_due(1))
        assert len(p1.posts) + len(p2.posts) == 1
        await one.service.engine.rounds.catch_up()  # a restart: still one post
        await two.service.engine.rounds.catch_up()
        assert len(p1.posts) + len(p2.posts) == 1
    finally:
        one.close()
        two.close()


async def test_a_failing_channel_does_not_stop_the_others(app: App, clock: FakeClock) -> None:
    poster = FakePoster(fail_channels={"broken"})
    app.service.add_poster(poster)
    for ch in ("alpha", "broken", "gamma"):
        await app.engine.schedules.set(Place("console", "local", ch, ch), time_of_day="08:00", timezone="UTC",
                                      days=EVERY_DAY)
    await app.service.start()
    await app.service.stop()
    assert sorted(c for c, _ in poster.posts) == ["alpha", "gamma"]
    # The failed post is retried on the next start, once the channel works again.
    poster.fail_channels.clear()
    await app.service.start()
    await app.service.stop()
    assert sorted(c for c, _ in poster.posts) == ["alpha", "broken", "gamma"]


async def test_paused_schedule_does_not_post_and_jobs_follow_changes(app: App, poster: FakePoster,
                                                                     clock: FakeClock) -> None:
    await app.engine.schedules.set(PLACE, time_of_day="08:00", timezone="UTC", days=EVERY_DAY)
    await app.service.start()
    try:
        assert app.service.scheduler is not None
        assert app.service.scheduler.get_job("post:1") is not None
        await app.engine.schedules.pause(PLACE, True)
        await app.service.rebuild()
        assert app.service.scheduler.get_job("post:1") is None
        assert await app.engine.rounds.post_due(1) is None
        view = await app.engine.schedules.get(PLACE)
        assert view is not None and view.paused and view.next_post is None
    finally:
        await app.service.stop()
    assert len(poster.posts) == 1  # only the catch-up post made before the pause


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"time_of_day": "25:00", "timezone": "UTC"}, "not a time"),
    ({"time_of_day": "09:00", "timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"time_of_day": "09:00", "timezone": "UTC", "days": ["someday"]}, "not a day"),
    ({"time_of_day": "09:00", "timezone": "UTC", "window_minutes": 2}, "answer window"),
    ({"time_of_day": "09:00", "timezone": "UTC", "topics": ("nope",)}, "Unknown topic"),
])
async def test_bad_schedule_values_are_refused_clearly(app: App, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        await app.engine.schedules.set(PLACE, **kwargs)  # type: ignore[arg-type]


async def test_a_channel_the_bot_lost_is_paused_not_retried(app: App, clock: FakeClock) -> None:
    from bot.errors import ChannelUnavailable
    from bot.rounds.posting import Attempt

    class Gone(FakePoster):
        async def post_round(self, place: Place, card: object, attempt: Attempt) -> str:
            if place.channel in ("lost", "lost-too"):
                raise ChannelUnavailable("403 Missing Access")
            return await super().post_round(place, card, attempt)

    poster = Gone()
    app.service.add_poster(poster)
    for ch, by in (("lost", member("ann")), ("fine", member("ann")), ("lost-too", member("bob"))):
        await app.engine.schedules.set(Place("console", "local", ch, ch), time_of_day="08:00", timezone="UTC",
                                      days=EVERY_DAY, by=by)
    await app.engine.members.forget(member("bob"))  # forget-me: bob is no longer someone to tell
    await app.service.start()
    await app.service.stop()
    lost = await app.engine.schedules.get(Place("console", "local", "lost"))
    fine = await app.engine.schedules.get(Place("console", "local", "fine"))
    assert lost is not None and lost.paused and fine is not None and not fine.paused
    assert lost.paused_reason.startswith("the bot could not post here on 2026-")
    assert "403 Missing Access" in lost.paused_reason
    assert await app.engine.rounds.current(Place("console", "local", "lost")) is None  # closed, not left open
    assert sorted(poster.told) == [("lost", "ann")]  # the admin who set it, once; bob was forgotten
    await app.service.start()  # a restart does not try again
    await app.service.stop()
    assert [c for c, _ in poster.posts] == ["fine"]
    assert len(poster.told) == 1
    await app.engine.schedules.pause(Place("console", "local", "lost"), False)  # an admin resumes it
    resumed = await app.engine.schedules.get(Place("console", "local", "lost"))
    assert resumed is not None and not resumed.paused and resumed.paused_reason == ""


async def test_live_count_refresh_is_throttled(app: App, poster: FakePoster) -> None:
    import asyncio

    opened = await app.engine.rounds.post_now(PLACE)
    for _ in range(5):
        app.engine.rounds.answered(opened.round_id, delay=0.05)
    await asyncio.sleep(0.2)
    assert len(poster.updates) == 1


async def test_next_post_reveals_a_round_still_open(app: App, poster: FakePoster, clock: FakeClock) -> None:
    await app.engine.schedules.set(PLACE, time_of_day="08:00", timezone="UTC", days=EVERY_DAY,
                                  window_minutes=2 * 24 * 60)
    clock.set(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    first = await app.engine.rounds.post_due(1)
    clock.set(datetime(2026, 11, 17, 8, 0, tzinfo=UTC))
    second = await app.engine.rounds.post_due(1)
    assert first is not None and second is not None
    assert [sm.round_id for _c, sm in poster.summaries] == [first.round_id]  # type: ignore[attr-defined]
