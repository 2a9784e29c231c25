"""A round's post under failure: never revealed unseen, retried by any process's sweep, grace 0, migrations."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.config import RoundsSection, Settings
from bot.members.identity import Place
from bot.rounds.posting import round_key
from bot.runtime.builder import App
from bot.storage.db import current_revision, head_revision, make_engine
from bot.storage.models import Round, Streak
from tests.conftest import PLACE, ROOT, FakePoster, make_app, member

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def row(app: App, round_id: int) -> Round:
    with app.db.session() as s:
        found = s.get(Round, round_id)
        assert found is not None
        return found


async def test_a_round_never_posted_is_retried_in_its_window_and_closed_unseen_after(
        app: App, clock: FakeClock) -> None:
    poster = FakePoster(fail_channels={"daily"})
    app.service.add_poster(poster)
    opened = await app.engine.rounds.post_now(PLACE)
    assert row(app, opened.round_id).post_state == "failed"
    clock.advance(seconds=10)
    await app.engine.rounds.sweep()  # still backing off: not tried again yet
    assert row(app, opened.round_id).post_attempts == 1
    clock.advance(seconds=25)
    await app.engine.rounds.sweep()  # 30 s after the failure: tried again (and failed again)
    assert row(app, opened.round_id).post_attempts == 2 and row(app, opened.round_id).post_failures == 2
    clock.advance(hours=9)  # the window ends with the channel still broken
    await app.engine.rounds.sweep()
    closed = row(app, opened.round_id)
    assert closed.closed_at is not None and closed.post_state == "missed"
    assert poster.updates == [] and poster.summaries == []  # nothing revealed about a question nobody saw


async def test_an_unseen_round_does_not_move_streaks(app: App, clock: FakeClock) -> None:
    poster = FakePoster()
    app.service.add_poster(poster)
    first = await app.engine.rounds.post_now(PLACE)
    lq = app.engine.library.get(first.card.question_id)
    assert lq is not None
    await app.engine.rounds.answer(member("ann"), first.round_id, choice=lq.q.correct_index,
                                   text=lq.q.model_answer if lq.q.kind == "open" else None)
    await app.engine.rounds.close(first.round_id)
    poster.fail_channels.add("daily")
    second = await app.engine.rounds.post_now(PLACE)
    clock.advance(hours=9)
    closed = await app.engine.rounds.close(second.round_id, only_if_due=True)
    assert closed is not None and not closed.seen
    with app.db.session() as s:
        assert [st.current for st in s.execute(select(Streak)).scalars()] == [1]  # Ann keeps her streak
    assert len(poster.summaries) == 1  # the first round's only


async def test_a_post_in_doubt_is_looked_for_at_close_and_revealed_when_found(app: App, clock: FakeClock) -> None:
    """A crash left the round 'posting' without a reference; the platform had made the message."""
    poster = FakePoster()
    app.service.add_poster(poster)
    opened = await app.engine.rounds.open(PLACE)
    assert opened is not None
    with app.db.session() as s, s.begin():
        s.execute(update(Round).where(Round.id == opened.round_id).values(post_state="posting", post_attempts=1))
    poster.keys[round_key(opened.round_id, row(app, opened.round_id).slot)] = "msg-before-the-crash"
    clock.advance(hours=9)
    await app.engine.rounds.sweep()
    closed = row(app, opened.round_id)
    assert closed.post_state == "posted" and closed.message_ref == "msg-before-the-crash"
    assert len(poster.updates) == 1 and len(poster.summaries) == 1 and poster.posts == []


async def test_a_stale_post_of_a_dead_process_is_retried_once_by_two_sweeping_processes(
        db_url: str, clock: FakeClock) -> None:
    dead, one, two = (make_app(db_url, clock, key=k) for k in ("dead", "one", "two"))
    try:
        places = [Place("console", "local", f"c{i}", f"c{i}") for i in range(20)]
        for p in places:
            opened = await dead.engine.rounds.open(p)  # opened, never posted: the process died
            assert opened is not None
        p1, p2 = FakePoster(), FakePoster()
        one.service.add_poster(p1)
        two.service.add_poster(p2)
        await asyncio.gather(one.engine.rounds.sweep(), two.engine.rounds.sweep())
        assert p1.posts == [] and p2.posts == []  # the dead process's lease still holds
        clock.advance(seconds=61)  # three sweeps of 20 s without renewal: stale
        await asyncio.gather(one.engine.rounds.sweep(), two.engine.rounds.sweep())
        posted = sorted(c for c, _ in p1.posts + p2.posts)
        assert posted == sorted(p.channel for p in places)  # each once, whichever process claimed it
        with one.db.session() as s:
            assert {r.post_state for r in s.execute(select(Round)).scalars()} == {"posted"}
    finally:
        for a in (dead, one, two):
            a.close()


async def test_grace_zero_posts_on_time_and_never_late(db_url: str, clock: FakeClock) -> None:
    app = make_app(db_url, clock, settings=Settings(rounds=RoundsSection(grace_minutes=0)))
    try:
        poster = FakePoster()
        app.service.add_poster(poster)
        await app.engine.schedules.set(PLACE, time_of_day="08:00", timezone="UTC", days=EVERY_DAY)
        [sched] = await app.engine.schedules.active()
        clock.set(datetime(2026, 11, 16, 8, 0, 0, 4000, tzinfo=UTC))  # the job fires 4 ms late
        await app.service.start()  # catch-up at start is not on time: nothing
        assert poster.posts == []
        from bot.runtime.service import post_job
        await post_job(app.service.key, sched.channel_id)  # the scheduler's own firing is on time
        assert len(poster.posts) == 1
        clock.set(datetime(2026, 11, 17, 8, 3, tzinfo=UTC))  # next day, started 3 minutes late
        await app.service.stop()
        await app.service.start()
        assert len(poster.posts) == 1
        await app.service.stop()
    finally:
        app.close()


def test_ten_processes_migrate_an_empty_database_at_once(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DRILLBOT_MIGRATE_URL": db_url}
    # Each child imports everything first, then all start migrating at the same instant.
    start_at = time.time() + 4.0
    race = ("import sys, time; import alembic.command, alembic.config; from bot.storage import migrate; "
            f"time.sleep(max(0.0, {start_at} - time.time())); sys.exit(migrate.main())")
    procs = [subprocess.Popen([sys.executable, "-c", race], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(10)]
    results = [p.communicate(timeout=120) for p in procs]
    failed = [(p.returncode, err[-400:]) for p, (_out, err) in zip(procs, results, strict=True) if p.returncode]
    assert failed == []
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


async def test_the_sweep_arms_close_timers_for_rounds_of_other_processes(db_url: str, clock: FakeClock) -> None:
    dead, alive = make_app(db_url, clock, key="dead2"), make_app(db_url, clock, key="alive2")
    try:
        dead.service.add_poster(FakePoster())
        opened = await dead.engine.rounds.post_now(PLACE)
        alive.service.add_poster(FakePoster())
        await alive.service.start()
        try:
            await alive.engine.rounds.sweep()
            assert alive.service.scheduler is not None
            assert alive.service.scheduler.get_job(f"close:{opened.round_id}") is not None
        finally:
            await alive.service.stop()
    finally:
        dead.close()
        alive.close()
