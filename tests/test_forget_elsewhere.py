"""Forget-me in another process: this process's cached member ids then point at a deleted account.

Two apps on one database are two processes (each its own engine, pool and caches).  The member
forgotten by B and back in A is a new member there: a fresh account, ordinary replies, no ERROR
log, nothing written for the deleted account.  SQLite and (with DRILLBOT_TEST_DATABASE_URL)
PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot import wording
from bot.clock import FakeClock
from bot.errors import UserError
from bot.members.identity import Place
from bot.runtime.builder import App
from bot.storage.models import Account, Answer, Card, PracticeAnswer, Report, Score
from tests.conftest import PLACE, FakePoster, make_app, member
from tests.test_practice_cache import ONE, right


@pytest.fixture
def two(db_url: str, clock: FakeClock) -> Iterator[tuple[App, App]]:
    a, b = make_app(db_url, clock), make_app(db_url, clock)
    a.service.add_poster(FakePoster())
    yield a, b
    a.close()
    b.close()


def account_of(app: App, who: str) -> int | None:
    with app.db.session() as s:
        return s.execute(select(Account.id).where(Account.external_id == who)).scalar_one_or_none()


def rows_of(app: App, account_id: int) -> int:
    with app.db.session() as s:
        return sum(s.execute(select(func.count()).select_from(model).where(model.account_id == account_id))
                   .scalar_one() for model in (Answer, PracticeAnswer, Card, Score, Report))


async def test_a_member_forgotten_elsewhere_comes_back_as_a_new_member(
        two: tuple[App, App], clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    a, b = two
    m = member("ann")
    await a.engine.schedules.set(PLACE, time_of_day="09:00", timezone="UTC", topics=("more",), levels=("junior",))
    opened = await a.engine.rounds.post_now(PLACE)
    qid = opened.card.question_id
    await a.engine.rounds.answer(m, opened.round_id, choice=right(a, qid), where=PLACE)  # A caches ann's ids
    q = await a.engine.practice.ask(m, **ONE)
    await a.engine.practice.answer(m, q.question_id, choice=right(a, q.question_id))
    assert (await a.engine.practice.ask(m, **ONE)).reason == wording.REASON["ahead"]  # A caches her state
    await a.engine.practice.ask(member("bob"))  # not the newest account (SQLite would reuse the newest's id)
    old = account_of(a, "ann")
    assert old is not None

    assert (await b.engine.members.forget(m)).text == wording.FORGOTTEN  # in the other process
    assert account_of(a, "ann") is None

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        fb = await a.engine.rounds.answer(m, opened.round_id, choice=(right(a, qid) + 1) % 2, where=PLACE)
        assert not fb.correct and fb.next_review is not None  # a first answer again, not "you already answered"
        clock.advance(hours=5)  # due in 4 hours after a wrong answer
        again = await a.engine.practice.ask(m, **ONE)  # the wrong daily answer's card, not the old state's
        assert (again.question_id, again.reason) == (q.question_id, wording.REASON["review"])
        await a.engine.practice.answer(m, again.question_id, choice=right(a, again.question_id))
        rated = await a.engine.practice.rate(m, again.question_id, "again")
        assert rated.next_review is not None
        await a.engine.reports.add(m, again.question_id, "typo")
        stats = await a.engine.boards.stats(m)
        assert stats.daily_answered == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    new = account_of(a, "ann")
    assert new is not None and new != old
    assert rows_of(a, old) == 0 and rows_of(a, new) > 0


async def test_a_crowd_answering_with_one_forgotten_member_all_get_their_answer_in(
        two: tuple[App, App], caplog: pytest.LogCaptureFixture) -> None:
    """The answers' group commit: one stale member in a batch costs nobody else their answer."""
    a, b = two
    other = Place(PLACE.platform, PLACE.community, "daily2", "daily2")
    for place in (PLACE, other):
        await a.engine.schedules.set(place, time_of_day="09:00", timezone="UTC", topics=("more",),
                                     levels=("junior",))
    first, second = await a.engine.rounds.post_now(PLACE), await a.engine.rounds.post_now(other)
    crowd = [member(f"m{i}") for i in range(6)]
    for m in crowd:  # A caches everyone's ids
        await a.engine.rounds.answer(m, first.round_id, choice=right(a, first.card.question_id), where=PLACE)
    old = account_of(a, "m2")
    await b.engine.members.forget(crowd[2])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        choice = right(a, second.card.question_id)
        fbs = await asyncio.gather(*(a.engine.rounds.answer(m, second.round_id, choice=choice, where=other)
                                     for m in crowd))
    assert all(fb.correct and fb.points > 0 for fb in fbs)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with a.db.session() as s:
        assert s.execute(select(func.count()).select_from(Answer).where(Answer.round_id == second.round_id)
                         ).scalar_one() == len(crowd)
    new = account_of(a, "m2")
    assert old is not None and new is not None and new != old and rows_of(a, old) == 0


async def test_one_stale_member_in_a_batch_of_practice_answers_costs_nobody_else_theirs(
        two: tuple[App, App], caplog: pytest.LogCaptureFixture) -> None:
    """Practice answers share a group commit too: a forgotten member's stale id fails only their item."""
    a, b = two
    crowd = [member(f"p{i}") for i in range(6)]
    asked = [await a.engine.practice.ask(m, **ONE) for m in crowd]  # A caches everyone's ids
    qid = asked[0].question_id
    old = account_of(a, "p2")
    await b.engine.members.forget(crowd[2])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        fbs = await asyncio.gather(*(a.engine.practice.answer(m, qid, choice=right(a, qid)) for m in crowd))
    assert all(fb.correct for fb in fbs)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with a.db.session() as s:
        assert s.execute(select(func.count()).select_from(PracticeAnswer)).scalar_one() == len(crowd)
        assert s.execute(select(func.count()).select_from(Card)).scalar_one() == len(crowd)
    new = account_of(a, "p2")
    assert old is not None and new is not None and new != old and rows_of(a, old) == 0


FIRST_BACK = ["practice answer", "report", "stats", "reminder", "rate"]


@pytest.mark.parametrize("what", FIRST_BACK)
async def test_each_entry_point_first_after_a_forget_elsewhere_works(
        two: tuple[App, App], what: str, caplog: pytest.LogCaptureFixture) -> None:
    """Whichever command the forgotten member sends first in A, it works as for a new member."""
    a, b = two
    m = member("cy")
    q = await a.engine.practice.ask(m, **ONE)
    await a.engine.practice.answer(m, q.question_id, choice=right(a, q.question_id))  # A caches cy's ids
    await a.engine.practice.ask(member("dee"))
    old = account_of(a, "cy")
    await b.engine.members.forget(m)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        if what == "practice answer":
            fb = await a.engine.practice.answer(m, q.question_id, choice=right(a, q.question_id))
            assert fb.correct and fb.next_review is not None
        elif what == "report":
            assert (await a.engine.reports.add(m, q.question_id, "typo")).text == wording.REPORTED.format(
                qid=q.question_id)
        elif what == "stats":
            st = await a.engine.boards.stats(m)
            assert (st.answered, st.practice_answered) == (0, 0)
        elif what == "reminder":
            note = await a.engine.reminders.set(m, closing=True)
            assert note.text
        else:  # nothing to rate for a new member: the usual refusal, from a fresh lookup
            with pytest.raises(UserError) as refused:
                await a.engine.practice.rate(m, q.question_id, "easy")
            assert str(refused.value) == wording.NOTHING_TO_RATE
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert old is not None and rows_of(a, old) == 0
    new = account_of(a, "cy")
    if what in ("practice answer", "report", "reminder"):
        assert new is not None and new != old


async def test_a_member_forgotten_and_back_in_the_other_process_is_that_new_account_here(
        two: tuple[App, App], caplog: pytest.LogCaptureFixture) -> None:
    """A's cached id is stale and B holds the member's new account: A's commands reach the new one."""
    a, b = two
    m = member("flo")
    b.service.add_poster(FakePoster())
    await a.engine.schedules.set(PLACE, time_of_day="09:00", timezone="UTC", topics=("more",), levels=("junior",))
    opened = await a.engine.rounds.post_now(PLACE)
    qid = opened.card.question_id
    await a.engine.rounds.answer(m, opened.round_id, choice=right(a, qid), where=PLACE)  # A caches flo's ids
    await a.engine.practice.ask(member("gil"))
    old = account_of(a, "flo")
    await b.engine.members.forget(m)
    await b.engine.practice.answer(m, qid, choice=right(b, qid))  # back, in B: a new account
    await b.engine.rounds.answer(m, opened.round_id, choice=(right(b, qid) + 1) % 2, where=PLACE)
    new = account_of(a, "flo")
    assert old is not None and new is not None and new != old
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        rated = await a.engine.practice.rate(m, qid, "hard")  # B's practice answer, rated in A
        assert rated.text == wording.RATED.format(rating="hard")
        st = await a.engine.boards.stats(m)
        assert (st.daily_answered, st.practice_answered) == (1, 1)
        fb = await a.engine.rounds.answer(m, opened.round_id, choice=right(a, qid), where=PLACE)
        assert not fb.correct  # the answer B stored counts, shown again; not a second one
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert rows_of(a, old) == 0
    with a.db.session() as s:
        assert s.execute(select(func.count()).select_from(Answer).where(Answer.account_id == new)).scalar_one() == 1
