"""Reminders and recaps claimed once: two processes on one database, a dead process's claim taken over."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.members import deliveries
from bot.members.identity import Place
from bot.rounds.recap import first_day, last_week
from bot.rounds.slots import Timing
from bot.views import ReminderNote
from tests.conftest import FakePoster, make_app, member


class Sender(FakePoster):
    def __init__(self) -> None:
        super().__init__()
        self.notes: list[tuple[str, ReminderNote]] = []

    async def remind(self, place: Place, user: str, note: ReminderNote) -> None:
        await asyncio.sleep(0.01)  # let the other process try meanwhile
        self.notes.append((user, note))


async def test_two_processes_send_each_reminder_once(db_url: str, clock: FakeClock) -> None:
    one, two = make_app(db_url, clock, key="one"), make_app(db_url, clock, key="two")
    try:
        senders = [Sender(), Sender()]
        for app, sender in zip((one, two), senders, strict=True):
            app.service.add_poster(sender)
        ann = member("Ann")
        await one.engine.reminders.set(ann, reviews_hour=9, timezone="UTC")
        card = await one.engine.practice.ask(ann, topic="more")
        await one.engine.practice.answer(ann, card.question_id, choice=0)
        clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
        sent = await asyncio.gather(one.engine.reminders.tick(), two.engine.reminders.tick())
        assert sorted(sent) == [0, 1]
        assert [u for s in senders for u, _ in s.notes] == ["ann"]
    finally:
        one.close()
        two.close()


async def test_a_claim_whose_process_died_is_taken_over_after_its_lease(db_url: str, clock: FakeClock) -> None:
    app = make_app(db_url, clock)
    try:
        now = clock.now()
        claim = app.engine.core.tx
        assert await claim(lambda s: deliveries.claim(s, "k", owner="dead", now=now, until=now + timedelta(minutes=1)))
        assert not await claim(lambda s: deliveries.claim(s, "k", owner="me", now=now, until=now))
        later = now + timedelta(minutes=2)
        assert await claim(lambda s: deliveries.claim(s, "k", owner="me", now=later, until=later))
        await claim(lambda s: deliveries.done(s, "k"))
        much_later = later + timedelta(hours=1)
        assert not await claim(lambda s: deliveries.claim(s, "k", owner="x", now=much_later, until=much_later))
    finally:
        app.close()


def test_the_recap_day_and_week() -> None:
    t = Timing("18:00", "Asia/Tokyo", ("wed", "fri", "sat"))
    assert first_day(t).days == ("wed",)
    # Monday 00:30 in Tokyo is Sunday in UTC: the week before is still 9 to 15 November, Tokyo time.
    start, end = last_week(datetime(2026, 11, 15, 15, 30, tzinfo=UTC), "Asia/Tokyo")
    assert (start, end) == (datetime(2026, 11, 8, 15, 0, tzinfo=UTC), datetime(2026, 11, 15, 15, 0, tzinfo=UTC))


async def test_a_busy_minute_is_spread_over_the_next_ones(db_url: str, clock: FakeClock) -> None:
    app = make_app(db_url, clock)
    try:
        sender = Sender()
        app.service.add_poster(sender)
        app.engine.reminders.per_tick = 2
        for name in ("Ann", "Bob", "Cy"):
            who = member(name)
            await app.engine.reminders.set(who, reviews_hour=9, timezone="UTC")
            card = await app.engine.practice.ask(who, topic="more")
            await app.engine.practice.answer(who, card.question_id, choice=0)
        clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
        assert [await app.engine.reminders.tick() for _ in range(3)] == [2, 1, 0]
        assert sorted(u for u, _ in sender.notes) == ["ann", "bob", "cy"]
    finally:
        app.close()
