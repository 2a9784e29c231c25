"""Benchmark: the reminders' one-minute tick, with many members opted in.

Opts ``--members`` members in (half with a reviews hour spread over the day, half with the
closing reminder), gives each a due card, opens one daily round closing within the hour,
then times the tick: the first minute that sends (claims at most 500 and hands each to a
poster that only counts), how many minutes send them all, and a quiet minute after.  Beside it,
the raw time of one ``SELECT`` over the opted-in rows on the same database, for scale.

    python bench/reminders.py [--members 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from bot.config import Config, Settings  # noqa: E402
from bot.members.identity import Member, Place  # noqa: E402
from bot.rounds.posting import Attempt  # noqa: E402
from bot.runtime.builder import build  # noqa: E402
from bot.storage.models import Card, Reminder  # noqa: E402
from bot.views import ReminderNote  # noqa: E402

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class Counter:
    platform = "console"

    def __init__(self) -> None:
        self.sent = 0

    async def post_round(self, place: Place, card: object, attempt: Attempt) -> str:
        await attempt.sending()
        return "ref"

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        return None

    async def update_round(self, *a: object) -> None: ...
    async def post_summary(self, *a: object) -> None: ...
    async def channel_lost(self, *a: object) -> None: ...
    async def tell(self, *a: object) -> None: ...

    async def remind(self, place: Place, user: str, note: ReminderNote) -> None:
        self.sent += 1


async def main(members: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(NOW - timedelta(hours=4, minutes=30))
        app = build(Config(Settings(), None, ROOT / "tests" / "fixtures" / "packs", f"sqlite:///{tmp}/b.db"),
                    clock=clock)
        poster = Counter()
        app.service.add_poster(poster)  # type: ignore[arg-type]
        engine = app.engine
        for i in range(members):
            m = Member("console", "local", f"u{i}", f"u{i}")
            if i % 2:
                await engine.reminders.set(m, closing=True)
            else:
                await engine.reminders.set(m, reviews_hour=(i // 2) % 24, timezone="UTC")
        with app.db.session() as s:
            ids = {r.account_id for r in s.execute(select(Reminder)).scalars()}
        with app.db.session() as s, s.begin():
            for acc in ids:
                s.add(Card(account_id=acc, question_id="example-trailing-slash", due=NOW - timedelta(days=1),
                           state="{}"))
        await engine.schedules.set(Place("console", "local", "daily", "daily"), time_of_day="04:30",
                                   timezone="UTC", window_minutes=300)
        await engine.rounds.post_due(1)  # closes at 09:30
        clock.set(NOW)
        t0 = time.perf_counter()
        sent = await engine.reminders.tick()
        sending = time.perf_counter() - t0
        ticks = 1
        while await engine.reminders.tick():  # the rest, 500 a minute
            ticks += 1
        t0 = time.perf_counter()
        again = await engine.reminders.tick()
        quiet = time.perf_counter() - t0
        t0 = time.perf_counter()
        with app.db.session() as s:
            s.execute(select(Reminder)).all()
        raw = time.perf_counter() - t0
        print(f"{members} opted in, {poster.sent} due: the first tick sent {sent} in {1000 * sending:.0f} ms, "
              f"{ticks} tick(s) sent them all; a quiet tick (sent {again}) took {1000 * quiet:.0f} ms; "
              f"one SELECT of the opt-ins: {1000 * raw:.1f} ms")
        app.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=5000)
    asyncio.run(main(p.parse_args().members))
