"""The practice state cache (bot/practice/state.py): answers in this process or another, re-ratings
and forget-me all reach the next question, on SQLite and (with DRILLBOT_TEST_DATABASE_URL) PostgreSQL.

Two apps on one database are two processes as far as the cache is concerned: each has its own
engine, connection pool and cache."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from bot import wording
from bot.clock import FakeClock
from bot.practice import state
from bot.runtime.builder import App
from bot.storage.models import Account, Card
from tests.conftest import make_app, member

ONE = {"topic": "more", "level": "junior"}  # a filter matching one choice question: more-junior-choice


@pytest.fixture
def two(db_url: str, clock: FakeClock) -> Iterator[tuple[App, App]]:
    a, b = make_app(db_url, clock), make_app(db_url, clock)
    yield a, b
    a.close()
    b.close()


def right(app: App, qid: str) -> int:
    lq = app.engine.library.get(qid)
    assert lq is not None and lq.q.correct_index is not None
    return lq.q.correct_index


async def test_asking_again_unchanged_is_a_cache_hit_and_an_answer_is_seen_next_time(app: App) -> None:
    p, m = app.engine.practice, member("ann")
    first = await p.ask(m, **ONE)
    assert (first.question_id, first.reason) == ("more-junior-choice", wording.REASON["new"])
    assert (await p.ask(m, **ONE)).reason == wording.REASON["new"]
    assert p.states.hits == 1 and p.states.misses == 1
    await p.answer(m, first.question_id, choice=right(app, first.question_id))
    after = await p.ask(m, **ONE)  # the only question is learnt now: not "new" again
    assert after.reason == wording.REASON["ahead"]
    assert p.states.misses == 2


def read_state(app: App, who: str) -> state.State:
    """A member's state read afresh from the database (what the cache must agree with)."""
    with app.db.session() as s:
        acc = s.execute(select(Account.id).where(Account.external_id == who)).scalar_one()
        conn = s.connection()
        return state.load(conn, state.stamps(conn, [acc]))[acc]


def same(x: state.State | None, y: state.State) -> bool:
    return x is not None and (x.stamp, set(x.cards), x.seen, x.accuracy) == (y.stamp, set(y.cards), y.seen,
                                                                              y.accuracy)


async def test_answers_patch_the_cached_state_into_what_a_fresh_read_gives(app: App, clock: FakeClock) -> None:
    p, m = app.engine.practice, member("gus")
    library = app.engine.library
    for step in range(8):  # answer, ask, answer again: each ask after an answer patches the state
        card = await p.ask(m)
        lq = library.get(card.question_id)
        assert lq is not None
        if lq.q.kind == "open":
            await p.answer(m, card.question_id, text="an app factory" if step % 2 else "no idea")
        else:
            await p.answer(m, card.question_id, choice=step % 2)
        clock.advance(hours=3)
    await p.ask(m)
    fresh = read_state(app, "gus")
    with app.db.session() as s:
        acc = s.execute(select(Account.id).where(Account.external_id == "gus")).scalar_one()
    assert same(p.states.get(acc), fresh)
    assert p.states.patched >= 7 and fresh.stamp[1] == 8 and fresh.newest[0] > 0  # patched; eight answers
    await p.rate(m, card.question_id, "easy")  # moves a due time without a review: read in full
    before = p.states.patched
    await p.ask(m)
    assert same(p.states.get(acc), read_state(app, "gus")) and p.states.patched == before


async def test_another_processes_answers_are_seen(two: tuple[App, App]) -> None:
    a, b = two
    m = member("bob")
    library = a.engine.library
    everything = {q.id for q in library.questions}
    await a.engine.practice.ask(m)  # A caches bob's (empty) state
    keep = "more-senior-choice"
    for qid in sorted(everything - {keep}):  # B answers every question but one
        lq = library.get(qid)
        assert lq is not None
        if lq.q.kind == "open":
            await b.engine.practice.answer(m, qid, text="an app factory creates the app")
        else:
            await b.engine.practice.answer(m, qid, choice=0)
    for _ in range(3):  # A must offer the one question bob has not seen, never one B recorded
        card = await a.engine.practice.ask(m)
        assert (card.question_id, card.reason) == (keep, wording.REASON["new"])


async def test_another_processes_rerating_makes_a_card_due(two: tuple[App, App], clock: FakeClock) -> None:
    a, b = two
    m = member("cat")
    q = await a.engine.practice.ask(m, **ONE)
    fb = await a.engine.practice.answer(m, q.question_id, choice=right(a, q.question_id))
    assert fb.next_review is not None and fb.next_review - clock.now() >= timedelta(hours=20)  # Good: a day
    assert (await a.engine.practice.ask(m, **ONE)).reason == wording.REASON["ahead"]  # cached: due tomorrow
    await b.engine.practice.rate(m, q.question_id, "again")  # B: due in 4 hours instead
    clock.advance(hours=5)
    card = await a.engine.practice.ask(m, **ONE)
    assert (card.question_id, card.reason) == (q.question_id, wording.REASON["review"])


async def test_forget_me_here_or_elsewhere_starts_the_member_afresh(two: tuple[App, App]) -> None:
    a, b = two
    for who, forgetter in (("dan", a), ("eve", b)):
        m = member(who)
        q = await a.engine.practice.ask(m, **ONE)
        await a.engine.practice.answer(m, q.question_id, choice=right(a, q.question_id))
        assert (await a.engine.practice.ask(m, **ONE)).reason == wording.REASON["ahead"]
        await forgetter.engine.members.forget(m)
        again = await a.engine.practice.ask(m, **ONE)
        assert (again.question_id, again.reason) == (q.question_id, wording.REASON["new"]), who


async def test_a_daily_answer_in_another_process_is_seen(two: tuple[App, App], clock: FakeClock) -> None:
    """The card a daily answer reviews (written by the rounds component) reaches practice's cache."""
    from tests.conftest import PLACE, FakePoster

    a, b = two
    m = member("fay")
    assert (await a.engine.practice.ask(m, **ONE)).reason == wording.REASON["new"]
    b.service.add_poster(FakePoster())
    await b.engine.schedules.set(PLACE, time_of_day="09:00", timezone="UTC", topics=("more",), levels=("junior",))
    opened = await b.engine.rounds.post_now(PLACE)
    assert opened.card.question_id == "more-junior-choice"
    await b.engine.rounds.answer(m, opened.round_id, choice=right(b, "more-junior-choice"), where=PLACE)
    with b.db.session() as s:
        assert s.execute(select(func.count()).select_from(Card)).scalar_one() == 1
    assert (await a.engine.practice.ask(m, **ONE)).reason == wording.REASON["ahead"]


async def test_practice_answers_that_arrive_together_share_one_transaction(app: App) -> None:
    crowd = [member(f"c{i}") for i in range(20)]
    asked = [await app.engine.practice.ask(m, **ONE) for m in crowd]
    commits: list[int] = []

    def committed(_conn: object) -> None:
        commits.append(1)
    event.listen(app.db.engine, "commit", committed)
    try:
        fbs = await asyncio.gather(*(app.engine.practice.answer(m, c.question_id, choice=right(app, c.question_id))
                                     for m, c in zip(crowd, asked, strict=True)))
    finally:
        event.remove(app.db.engine, "commit", committed)
    assert all(fb.correct and fb.next_review is not None for fb in fbs)
    assert len(commits) < len(crowd) / 4  # one per batch, not one per answer
    with app.db.session() as s:
        assert s.execute(select(func.count()).select_from(Card).where(Card.reviewed_at.is_not(None))).scalar_one() \
            == len(crowd)
