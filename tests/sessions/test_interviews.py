"""The mock interview as a stored session: answers without feedback, the clock, restarts, history."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.errors import NotFound, UserError
from bot.runtime import commands, dispatch
from bot.runtime.builder import App
from bot.sessions.views import InterviewOver, InterviewQuestion
from bot.storage.models import Card, LiveSession, PracticeAnswer, Score, SessionAnswer
from tests.conftest import CONTENT, PLACE, make_app, member
from tests.sessions.helpers import ANN, BOB


class Sink:
    """Records the scorecards an interview's tick delivers (time ran out)."""

    platform = "console"

    def __init__(self) -> None:
        self.over: list[InterviewOver] = []

    async def deliver_interview(self, event: InterviewOver) -> None:
        self.over.append(event)


@pytest.fixture
def app(db_url: str, clock: FakeClock) -> Iterator[App]:
    a = make_app(db_url, clock, content=CONTENT)
    yield a
    a.close()


@pytest.fixture
def sink(app: App) -> Sink:
    s = Sink()
    app.engine.interviews.add_sink(s)
    return s


def model(app: App, q: InterviewQuestion) -> str:
    lq = app.engine.library.get(q.card.question_id)
    assert lq is not None
    return lq.q.model_answer or "ABCDE"[lq.q.correct_index or 0]


def rows(app: App, model_: type, **where: object) -> int:
    with app.engine.core.db.session() as s:
        q = select(func.count()).select_from(model_)
        for k, v in where.items():
            q = q.where(getattr(model_, k) == v)
        return int(s.execute(q).scalar_one())


async def test_a_whole_interview_no_feedback_until_the_scorecard(app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews
    step = await iv.start(ANN, PLACE, "senior", length=4, minutes=20)
    assert isinstance(step, InterviewQuestion) and (step.index, step.total, step.level) == (0, 4, "senior")
    assert step.ends_at == clock.now() + timedelta(minutes=20) and step.card.mode == "interview"
    seen = [step.card.question_id]
    while isinstance(step, InterviewQuestion):
        clock.advance(minutes=2)
        answered = await iv.answer(ANN, model(app, step))
        if isinstance(answered, InterviewQuestion):
            assert answered.index == step.index + 1  # the next question, nothing said about the last one
            seen.append(answered.card.question_id)
        step = answered
    over = step
    assert over.reason == "finished" and over.answered == 4 and not over.late
    assert [r.question_id for r in over.card.results] == seen
    assert over.card.score >= 70 and over.card.band == "ready for senior" and over.card.change is None
    # Stored: one row per question with its points; fed to practice cards; the daily boards untouched.
    assert rows(app, SessionAnswer) == 4 and rows(app, PracticeAnswer) == 4 and rows(app, Card) == 4
    assert rows(app, Score) == 0
    assert rows(app, LiveSession, state="finished") == 1
    with pytest.raises(NotFound):
        await iv.answer(ANN, "one more")


async def test_time_runs_out_unanswered_count_as_missed(app: App, clock: FakeClock, sink: Sink) -> None:
    iv = app.engine.interviews
    q0 = await iv.start(ANN, PLACE, "mid", length=3, minutes=5)
    await iv.answer(ANN, model(app, q0))
    assert await iv.tick() == [] and sink.over == []  # time left: nothing happens
    clock.advance(minutes=5, seconds=1)
    [over] = await iv.tick()
    assert sink.over == [over] and over.reason == "time" and over.answered == 1 and over.user == ANN.user
    first, *rest = over.card.results
    assert first.answered and all(not r.answered and r.points == 0 and r.missed for r in rest)
    assert {i.question_id for i in over.card.study} >= {r.question_id for r in rest}
    assert await iv.tick() == []  # once
    with pytest.raises(NotFound):
        await iv.answer(ANN, "too late")
    # Every planned question fed to spaced repetition, the unanswered ones as wrong.
    with app.engine.core.db.session() as s:
        wrong = s.execute(select(func.count()).select_from(PracticeAnswer)
                          .where(PracticeAnswer.correct.is_(False))).scalar_one()
    assert rows(app, PracticeAnswer) == 3 and wrong >= 2


async def test_an_answer_after_the_deadline_before_the_tick_is_not_counted(app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews
    q0 = await iv.start(ANN, PLACE, "junior", length=2, minutes=5)
    clock.advance(minutes=6)
    over = await iv.answer(ANN, model(app, q0))
    assert isinstance(over, InterviewOver) and over.late and over.answered == 0 and over.reason == "time"
    assert over.card.score == 0


async def test_guards_refuse_without_storing_and_the_question_stays(app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews
    q0 = await iv.start(ANN, PLACE, "mid", length=2)
    for bad in ("", "x" * 1501):
        with pytest.raises(UserError):
            await iv.answer(ANN, bad)
    assert rows(app, SessionAnswer) == 0
    again = await iv.current(ANN)
    assert again is not None and again.index == 0 and again.card.question_id == q0.card.question_id
    skipped = await iv.skip(ANN)
    assert isinstance(skipped, InterviewQuestion) and skipped.index == 1


async def test_one_interview_at_a_time_and_others_are_separate(app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews
    await iv.start(ANN, PLACE, "mid", length=2)
    with pytest.raises(UserError, match="question 1 of 2"):
        await iv.start(ANN, PLACE, "junior")
    bob = await iv.start(BOB, PLACE, "junior", length=2)  # another member's own interview
    assert bob.level == "junior"
    with pytest.raises(NotFound):
        await iv.stop(member("cy"))
    # Once the time is up, starting again scores the old one (kept in history) and starts a new one.
    clock.advance(minutes=21)
    fresh = await iv.start(ANN, PLACE, "junior", length=2)
    assert fresh.index == 0
    hist = await iv.history(ANN)
    assert [(r.level, r.answered, r.total) for r in hist.rows] == [("mid", 0, 2)]


async def test_history_and_the_change_since_last_time(app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews
    q = await iv.start(ANN, PLACE, "mid", length=2)
    first = await iv.stop(ANN)
    assert first.reason == "stopped" and first.card.score == 0
    clock.advance(days=1)
    step: InterviewQuestion | InterviewOver = await iv.start(ANN, PLACE, "mid", length=2)
    while isinstance(step, InterviewQuestion):
        step = await iv.answer(ANN, model(app, step))
    assert step.card.change == step.card.score > 0  # up from 0 at the same level
    hist = await iv.history(ANN)
    assert [r.score for r in hist.rows] == [step.card.score, 0]  # newest first, stored scores
    assert hist.rows[0].when > hist.rows[1].when
    assert q.session_id == hist.rows[1].session_id


async def test_a_restart_in_the_middle_goes_on(db_url: str, clock: FakeClock) -> None:
    first = make_app(db_url, clock, content=CONTENT, key="first")
    try:
        q0 = await first.engine.interviews.start(ANN, PLACE, "mid", length=3, minutes=10)
        q1 = await first.engine.interviews.answer(ANN, model(first, q0))
        assert isinstance(q1, InterviewQuestion)
    finally:
        first.close()
    second = make_app(db_url, clock, content=CONTENT, key="second")
    try:
        sink = Sink()
        second.engine.interviews.add_sink(sink)
        again = await second.engine.interviews.current(ANN)
        assert again is not None and (again.index, again.card.question_id) == (1, q1.card.question_id)
        await second.engine.interviews.answer(ANN, model(second, again))
        clock.advance(minutes=11)  # the third is never answered: the new process's tick ends it
        [over] = await second.engine.interviews.tick()
        assert sink.over == [over] and over.answered == 2 and over.card.results[0].answered
    finally:
        second.close()


@pytest.fixture
def two(db_url: str, clock: FakeClock) -> Iterator[tuple[App, App]]:
    a, b = make_app(db_url, clock, content=CONTENT, key="a"), make_app(db_url, clock, content=CONTENT, key="b")
    yield a, b
    a.close()
    b.close()


async def test_two_processes_end_each_interview_once(two: tuple[App, App], clock: FakeClock) -> None:
    a, b = two
    sinks = [Sink(), Sink()]
    a.engine.interviews.add_sink(sinks[0])
    b.engine.interviews.add_sink(sinks[1])
    members = [member(f"m{i}") for i in range(6)]
    for m in members:
        await a.engine.interviews.start(m, PLACE, "junior", length=2, minutes=5)
    clock.advance(minutes=6)
    await asyncio.gather(*(e.engine.interviews.tick() for e in (a, b, a, b)))
    told = sorted(o.user for s in sinks for o in s.over)
    assert told == sorted(m.user for m in members)  # each candidate told once, by one process
    assert rows(a, SessionAnswer) == 12 and rows(a, PracticeAnswer) == 12


async def test_two_processes_starting_one_members_interview_at_once_make_one(two: tuple[App, App]) -> None:
    """A double click on two processes (PostgreSQL): one interview starts, the other start is refused."""
    a, b = two
    members = [member(f"twin{i}") for i in range(8)]
    for m in members:  # known to both, so both starts race on the interview itself
        await a.engine.core.resolve(m)
        await b.engine.core.resolve(m)
    for m in members:
        got = await asyncio.gather(a.engine.interviews.start(m, PLACE, "junior", length=2, minutes=5),
                                   b.engine.interviews.start(m, PLACE, "junior", length=2, minutes=5),
                                   return_exceptions=True)
        assert sorted(type(g).__name__ for g in got) == ["InterviewQuestion", "UserError"], got
    assert rows(a, LiveSession, kind="interview") == len(members)


async def test_dispatch_runs_interview_commands_on_a_platform_with_a_sink(app: App, sink: Sink) -> None:
    cmd = commands.parse("interview senior length=2 minutes=10", topics=(), levels=())
    assert cmd == commands.Interview("start", "senior", 2, 10)
    view = await dispatch.run(app.service, cmd, member=ANN, place=PLACE, is_admin=False)
    assert isinstance(view, InterviewQuestion) and view.total == 2
    answer = commands.parse("interview answer it depends", topics=(), levels=())
    assert isinstance(answer, commands.Interview) and answer.text == "it depends"
    hist = await dispatch.run(app.service, commands.Interview("history"), member=ANN, place=PLACE, is_admin=False)
    assert hist.rows == ()  # type: ignore[union-attr]
    for bad, why in (("interview expert", "expert"), ("interview length=x", "whole number"),
                     ("interview colour=red", "Unknown option")):
        with pytest.raises(commands.ParseError, match=why):
            commands.parse(bad, topics=(), levels=())
    slack = PLACE.__class__("slack", "T1", "C1", "general")
    with pytest.raises(UserError, match="not available here"):
        await dispatch.run(app.service, cmd, member=ANN, place=slack, is_admin=False)


async def test_forget_me_mid_interview_leaves_nothing_to_tell(app: App, clock: FakeClock, sink: Sink) -> None:
    iv = app.engine.interviews
    q0 = await iv.start(ANN, PLACE, "mid", length=2, minutes=5)
    await iv.answer(ANN, model(app, q0))
    await app.engine.members.forget(ANN)
    assert rows(app, SessionAnswer) == 0 and rows(app, PracticeAnswer) == 0
    clock.advance(minutes=6)
    [over] = await iv.tick()  # ended and scored with nobody's answers; no message to a forgotten member
    assert over.user == "" and sink.over == [] and rows(app, LiveSession, state="finished") == 1
    assert rows(app, PracticeAnswer) == 0 and rows(app, Card) == 0


async def test_a_stale_button_or_replayed_form_stores_nothing(app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews
    q0 = await iv.start(ANN, PLACE, "mid", length=3, minutes=20)
    q1 = await iv.answer(ANN, model(app, q0), at=(q0.session_id, 0))
    assert isinstance(q1, InterviewQuestion) and q1.index == 1
    for again in (iv.answer(ANN, "a replay of the first form", at=(q0.session_id, 0)),
                  iv.skip(ANN, at=(q0.session_id, 0)), iv.answer(ANN, "another session", at=(q0.session_id + 1, 1))):
        with pytest.raises(UserError, match="question 2 of 3"):
            await again
    assert rows(app, SessionAnswer) == 1
    q2 = await iv.skip(ANN, at=(q0.session_id, 1))
    assert isinstance(q2, InterviewQuestion) and q2.index == 2 and rows(app, SessionAnswer) == 1


async def test_the_change_compares_with_the_last_interview_at_that_level_however_long_ago(
        app: App, clock: FakeClock) -> None:
    iv = app.engine.interviews

    async def one(level: str, answer: bool) -> InterviewOver:
        step = await iv.start(ANN, PLACE, level, length=2, minutes=5)
        while isinstance(step, InterviewQuestion):
            step = await (iv.answer(ANN, model(app, step)) if answer else iv.skip(ANN))
        clock.advance(minutes=1)
        return step

    first = await one("mid", True)
    assert first.card.change is None and first.card.score > 0
    for _ in range(6):  # six senior interviews in between
        await one("senior", False)
    again = await one("mid", False)
    assert again.card.score == 0 and again.card.change == -first.card.score


async def test_a_missed_interview_question_comes_back_first_in_practice(app: App, clock: FakeClock) -> None:
    """The issue: interview answers feed spaced repetition, missed points' questions first."""
    iv = app.engine.interviews
    q0 = await iv.start(ANN, PLACE, "mid", length=3, minutes=20)
    q1 = await iv.answer(ANN, model(app, q0))  # right
    assert isinstance(q1, InterviewQuestion)
    q2 = await iv.skip(ANN)  # missed
    assert isinstance(q2, InterviewQuestion)
    over = await iv.answer(ANN, model(app, q2))  # right
    assert isinstance(over, InterviewOver)
    missed = q1.card.question_id
    assert [r.question_id for r in over.card.results if not r.correct] == [missed]
    clock.advance(seconds=1)  # right after: before any new question, and before FSRS would have asked it
    asked = await app.engine.practice.ask(ANN)
    assert asked.question_id == missed
