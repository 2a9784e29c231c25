"""The live group quiz in the engine: a whole game on a fake clock, through a fake platform sink."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.errors import AlreadyAnswered, NotAllowed, RoundClosed, UserError
from bot.runtime.builder import App
from bot.sessions.rules import LiveOptions, LiveRules, points
from bot.sessions.views import Event, LiveQuestion, Lobby, Podium
from bot.storage.models import Card, LiveSession, PracticeAnswer, Score
from tests.conftest import PLACE, make_app
from tests.sessions.helpers import ANN, BOB, CY, Sink, right, wrong


@pytest.fixture
def sink(app: App) -> Sink:
    s = Sink()
    app.engine.live.add_sink(s)
    return s


async def lobby(app: App, count: int = 3, seconds: int = 30) -> Lobby:
    return await app.engine.live.start(ANN, PLACE, LiveOptions(count=count, seconds=seconds))


def test_points_slide_from_full_to_half() -> None:
    assert points(0, 30) == 100
    assert points(10_000, 30) == 100  # the first third
    assert points(20_000, 30) == 75
    assert points(30_000, 30) == 50
    assert points(99_000, 30) == 50


async def test_a_full_game_with_three_players(app: App, clock: FakeClock, sink: Sink) -> None:
    live = app.engine.live
    lob = await lobby(app)
    assert sink.events == [lob] and lob.count == 3 and lob.players == ("Ann",)
    assert (await live.join(BOB, lob.session_id)).text.startswith("You joined")
    assert "already" in (await live.join(BOB, lob.session_id)).text
    await live.join(CY, lob.session_id)
    assert await live.tick() == []  # the lobby is still open
    clock.advance(seconds=30)
    [q0] = await live.tick()
    assert q0 == sink.questions[0] and q0.index == 0 and q0.total == 3 and q0.thread == f"thread-{lob.session_id}"
    # Ann fast and right, Bob slow and right, Cy wrong.
    clock.advance(seconds=2)
    locked = await live.answer(ANN, lob.session_id, 0, right(app, q0))
    assert locked.elapsed_ms == 2000
    with pytest.raises(AlreadyAnswered):
        await live.answer(ANN, lob.session_id, 0, wrong(app, q0))
    clock.advance(seconds=18)
    await live.answer(BOB, lob.session_id, 0, right(app, q0))
    assert not sink.reveals
    await live.answer(CY, lob.session_id, 0, wrong(app, q0))  # the last player: the question ends now
    [r0] = sink.reveals
    assert r0.answered == 3 and r0.players == 3 and r0.correct_names == ("Ann", "Bob")
    assert sum(r0.per_option) == 3 and r0.per_option[right(app, q0)] == 2
    assert [(b.name, b.points, b.rank) for b in r0.board] == [("Ann", 100, 1), ("Bob", 75, 2), ("Cy", 0, 3)]
    with pytest.raises(RoundClosed):
        await live.answer(BOB, lob.session_id, 0, right(app, q0))
    # The reveal stays up, then the next question; nobody answers it: it times out.
    clock.advance(seconds=5)
    [q1] = await live.tick()
    assert q1.index == 1 and q1.card.question_id != q0.card.question_id
    clock.advance(seconds=29)
    assert await live.tick() == []
    clock.advance(seconds=1)
    [r1] = await live.tick()
    assert r1.answered == 0 and r1.correct_names == ()
    clock.advance(seconds=5)
    [q2] = await live.tick()
    await live.answer(BOB, lob.session_id, 2, right(app, q2))  # Cy never answers: the time runs out
    clock.advance(seconds=30)
    events = await live.tick()
    assert [type(e).__name__ for e in events] == ["Reveal", "Podium", "PrivateSummary", "PrivateSummary",
                                                   "PrivateSummary"]
    [podium] = sink.podiums
    assert [(b.name, b.points) for b in podium.board] == [("Bob", 175), ("Ann", 100), ("Cy", 0)]
    assert podium.asked == 3 and podium.stopped_by is None
    by_user = {s.user: s for s in sink.summaries}
    assert by_user["cy"].rank == 3 and len(by_user["cy"].missed) == 3
    assert by_user["bob"].rank == 1 and by_user["bob"].correct == 2 and len(by_user["bob"].missed) == 1
    clock.advance(minutes=5)
    assert await live.tick() == []  # finished: nothing more, ever


async def test_live_points_never_touch_the_daily_boards_but_feed_cards_and_stats(
        app: App, clock: FakeClock, sink: Sink) -> None:
    live = app.engine.live
    lob = await lobby(app, count=1)
    [q0] = await live.begin(ANN, lob.session_id)
    await live.answer(ANN, lob.session_id, 0, right(app, q0))
    assert len(sink.podiums) == 1

    def counts(s: object) -> tuple[int, int, int]:
        from sqlalchemy.orm import Session
        assert isinstance(s, Session)
        return (s.execute(select(func.count()).select_from(Score)).scalar_one(),
                s.execute(select(func.count()).select_from(Card)
                          .where(Card.question_id == q0.card.question_id)).scalar_one(),
                s.execute(select(func.count()).select_from(PracticeAnswer)).scalar_one())
    assert await app.engine.core.tx(counts) == (0, 1, 1)
    stats = await app.engine.boards.stats(ANN)
    assert stats.points == 0 and stats.answered == 1 and stats.correct == 1


async def test_only_the_starter_or_an_admin_stops_it(app: App, clock: FakeClock, sink: Sink) -> None:
    live = app.engine.live
    lob = await lobby(app)
    await live.join(BOB, lob.session_id)
    [q0] = await live.begin(ANN, lob.session_id)
    await live.answer(BOB, lob.session_id, 0, right(app, q0))
    with pytest.raises(NotAllowed):
        await live.stop(BOB, lob.session_id)
    events = await live.stop(CY, lob.session_id, is_admin=True)
    podium = events[0]
    assert podium == sink.podiums[0] and podium.stopped_by == "Cy"  # type: ignore[union-attr]
    assert podium.asked == 0  # type: ignore[union-attr]  # the open question was not revealed
    clock.advance(minutes=1)
    assert await live.tick() == []
    assert await live.current(PLACE) is None


async def test_options_are_checked_with_helpful_errors(app: App, sink: Sink) -> None:
    live = app.engine.live
    with pytest.raises(UserError, match="1 to 30"):
        await live.start(ANN, PLACE, LiveOptions(count=31))
    with pytest.raises(UserError, match=r"'nope'.*Topics: example, more"):
        await live.start(ANN, PLACE, LiveOptions(topics=("nope",)))
    with pytest.raises(UserError, match="'expert'"):
        await live.start(ANN, PLACE, LiveOptions(levels=("expert",)))
    with pytest.raises(UserError, match="10 to 300 seconds"):
        await live.start(ANN, PLACE, LiveOptions(seconds=3))
    lob = await live.start(ANN, PLACE)  # count 10 asked; the sample packs have 4 choice/true-false questions
    assert lob.count == 4 and lob.seconds == 30
    assert sink.events == [lob]


async def test_admin_rules_one_per_channel_and_a_cool_down(app: App, clock: FakeClock, sink: Sink) -> None:
    live = app.engine.live
    lob = await lobby(app)
    with pytest.raises(UserError, match="already running in this channel"):
        await lobby(app)
    await live.stop(ANN, lob.session_id)
    with pytest.raises(UserError, match="next may start in 60 s"):
        await lobby(app)
    clock.advance(seconds=60)
    await lobby(app)
    live.rules = LiveRules(who_may_start="admins")
    with pytest.raises(NotAllowed):
        await live.start(BOB, PLACE.__class__("console", "local", "other"))


async def test_each_community_sets_its_own_rules(app: App, clock: FakeClock, sink: Sink) -> None:
    from bot.members.identity import Place
    from bot.runtime import commands, dispatch

    live = app.engine.live
    here, there = PLACE, Place("console", "elsewhere", "daily")
    cmd = commands.parse("settings live who=admins cooldown=5 channel=2", topics=(), levels=())
    with pytest.raises(NotAllowed):  # only admins change them
        await dispatch.run(app.service, cmd, member=ANN, place=here, is_admin=False)
    shown = await dispatch.run(app.service, cmd, member=ANN, place=here, is_admin=True)
    assert "admins may start one · 2 at once per channel" in shown.text and "5 s cool-down (set here)" in shown.text
    with pytest.raises(NotAllowed):
        await live.start(BOB, here, LiveOptions(count=2))
    first = await live.start(BOB, here, LiveOptions(count=2), is_admin=True)
    await live.start(ANN, here, LiveOptions(count=2), is_admin=True)  # two may run in this channel now
    with pytest.raises(UserError, match="already running"):
        await live.start(CY, here, LiveOptions(count=2), is_admin=True)
    await live.start(BOB, there, LiveOptions(count=2))  # another community keeps the defaults
    await live.stop(BOB, first.session_id)
    with pytest.raises(UserError, match="next may start in 5 s"):  # this community's cool-down, not 60 s
        await live.start(CY, here, LiveOptions(count=2), is_admin=True)
    clock.advance(seconds=5)
    await live.start(CY, here, LiveOptions(count=2), is_admin=True)
    for bad, why in (("settings live who=me", "anyone"), ("settings live channel=0", "1 to 5"),
                     ("settings live colour=red", "Unknown live-quiz rule")):
        with pytest.raises(UserError, match=why):
            await dispatch.run(app.service, commands.parse(bad, topics=(), levels=()), member=ANN, place=here,
                               is_admin=True)
    reset = await dispatch.run(app.service, commands.parse("settings live default", topics=(), levels=()),
                               member=ANN, place=here, is_admin=True)
    assert "anyone may start one · 1 at once per channel" in reset.text and "(the bot's defaults)" in reset.text


async def test_a_restart_between_questions_goes_on_where_it_left_off(db_url: str, clock: FakeClock) -> None:
    first = make_app(db_url, clock, key="first")
    sink1 = Sink()
    first.engine.live.add_sink(sink1)
    lob = await first.engine.live.start(ANN, PLACE, LiveOptions(count=2))
    await first.engine.live.join(BOB, lob.session_id)
    [q0] = await first.engine.live.begin(ANN, lob.session_id)
    await first.engine.live.answer(ANN, lob.session_id, 0, right(app=first, q=q0))
    first.close()  # the process stops while question 0 is open

    second = make_app(db_url, clock, key="second")
    try:
        sink2 = Sink()
        second.engine.live.add_sink(sink2)
        await second.engine.live.answer(BOB, lob.session_id, 0, wrong(second, q0))  # everyone answered
        [r0] = sink2.reveals
        assert r0.thread == f"thread-{lob.session_id}" and r0.correct_names == ("Ann",)
        clock.advance(seconds=5)
        [q1] = await second.engine.live.tick()
        assert q1.index == 1 and q1.card.question_id != q0.card.question_id
        clock.advance(seconds=30)
        await second.engine.live.tick()
        assert [(b.name, b.points) for b in sink2.podiums[0].board] == [("Ann", 100), ("Bob", 0)]
        assert not sink1.reveals
    finally:
        second.close()


@pytest.fixture
def two(db_url: str, clock: FakeClock) -> Iterator[tuple[App, App]]:
    a, b = make_app(db_url, clock, key="a"), make_app(db_url, clock, key="b")
    yield a, b
    a.close()
    b.close()


async def test_two_processes_take_each_step_exactly_once(two: tuple[App, App], clock: FakeClock) -> None:
    """Both processes tick at once, over and over: every question and reveal is delivered once in all."""
    import asyncio

    a, b = two
    sa, sb = Sink(), Sink()
    a.engine.live.add_sink(sa)
    b.engine.live.add_sink(sb)
    lob = await a.engine.live.start(ANN, PLACE, LiveOptions(count=4, seconds=10))
    await b.engine.live.join(BOB, lob.session_id)
    for _ in range(40):
        clock.advance(seconds=3)
        await asyncio.gather(*(e.engine.live.tick() for e in (a, b, a, b)))
    events = sa.events[1:] + sb.events
    kinds = sorted((type(e).__name__, getattr(e, "index", -1)) for e in events
                   if type(e).__name__ in ("LiveQuestion", "Reveal", "Podium"))
    assert kinds == sorted([("LiveQuestion", i) for i in range(4)] + [("Reveal", i) for i in range(4)]
                           + [("Podium", -1)])
    assert len([e for e in events if type(e).__name__ == "PrivateSummary"]) == 2

    def state(s: object) -> str:
        from sqlalchemy.orm import Session
        assert isinstance(s, Session)
        return s.execute(select(LiveSession.state)).scalar_one()
    assert await a.engine.core.tx(state) == "finished"


class Dying(Sink):
    """A process that dies (SIGKILL) while delivering the first event of kind ``at``: the step is
    committed, the event never goes out, the lease is never released."""

    def __init__(self, at: type) -> None:
        super().__init__()
        self.at, self.hung = at, asyncio.Event()

    async def deliver_session(self, event: Event) -> str | None:
        if isinstance(event, self.at) and not self.hung.is_set():
            self.hung.set()
            await asyncio.Event().wait()  # never returns: the task is cancelled, as a kill would end it
        return await super().deliver_session(event)


def sinks(two: tuple[App, App], dying: Dying) -> tuple[Dying, Sink]:
    """The first process delivers through ``dying`` (it dies there), the second through a plain sink."""
    survivor = Sink()
    two[0].engine.live.add_sink(dying)
    two[1].engine.live.add_sink(survivor)
    return dying, survivor


async def die_during(app: App, coro: Any, sink: Dying) -> None:
    task = asyncio.ensure_future(coro)
    await sink.hung.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_step_whose_process_died_before_delivering_is_sent_again_once_its_lease_runs_out(
        two: tuple[App, App], clock: FakeClock) -> None:
    """The question the dead process never posted is posted by the other, with its whole time again
    (nobody could have seen it); then the game goes on and ends there."""
    a, b = two
    sa, sb = sinks(two, Dying(LiveQuestion))
    lob = await a.engine.live.start(ANN, PLACE, LiveOptions(count=2, seconds=20))
    await a.engine.live.join(BOB, lob.session_id)
    clock.advance(seconds=30)
    await die_during(a, a.engine.live.tick(), sa)  # a took "open question 0", then died posting it
    assert sa.questions == [] and await b.engine.live.tick() == []  # its lease still holds
    clock.advance(seconds=31)
    [q0] = await b.engine.live.tick()
    assert isinstance(q0, LiveQuestion) and q0.index == 0 and q0.closes_at == clock.now() + timedelta(seconds=20)
    assert await b.engine.live.tick() == []  # sent again once, and released
    await b.engine.live.answer(ANN, lob.session_id, 0, right(b, q0))
    await b.engine.live.answer(BOB, lob.session_id, 0, wrong(b, q0))
    clock.advance(seconds=5)
    [q1] = await b.engine.live.tick()
    clock.advance(seconds=20)
    events = await b.engine.live.tick()
    assert [type(e).__name__ for e in events] == ["Reveal", "Podium", "PrivateSummary", "PrivateSummary"]
    assert [(r.index, r.answered) for r in sb.reveals] == [(0, 2), (1, 0)] and q1.index == 1


async def test_a_final_step_lost_with_its_process_sends_the_podium_again_and_records_nothing_twice(
        two: tuple[App, App], clock: FakeClock) -> None:
    a, b = two
    sa, sb = sinks(two, Dying(Podium))
    lob = await a.engine.live.start(ANN, PLACE, LiveOptions(count=1, seconds=20))
    await a.engine.live.join(BOB, lob.session_id)
    [q0] = await a.engine.live.begin(ANN, lob.session_id)
    await a.engine.live.answer(ANN, lob.session_id, 0, right(a, q0))
    clock.advance(seconds=20)
    await die_during(a, a.engine.live.tick(), sa)  # the reveal went out, then it died sending the podium
    assert len(sa.reveals) == 1 and sa.podiums == []
    clock.advance(seconds=31)
    events = await b.engine.live.tick()
    assert [type(e).__name__ for e in events] == ["Reveal", "Podium", "PrivateSummary", "PrivateSummary"]
    [podium] = sb.podiums
    assert (podium.asked, podium.stopped_by) == (1, None)
    assert [(r.name, r.points) for r in podium.board] == [("Ann", 100), ("Bob", 0)]
    with a.engine.core.db.session() as s:  # the reveal's answers fed the cards once, not again
        assert s.execute(select(func.count()).select_from(PracticeAnswer)).scalar_one() == 1
    assert await b.engine.live.tick() == []


async def test_a_stop_lost_with_its_process_sends_the_podium_of_what_was_asked(
        two: tuple[App, App], clock: FakeClock) -> None:
    a, b = two
    sa, _sb = sinks(two, Dying(Podium))
    lob = await a.engine.live.start(ANN, PLACE, LiveOptions(count=3, seconds=20))
    [q0] = await a.engine.live.begin(ANN, lob.session_id)
    await a.engine.live.answer(ANN, lob.session_id, 0, right(a, q0))  # the only player: revealed at once
    clock.advance(seconds=5)
    await a.engine.live.tick()  # question 1 opens
    await die_during(a, a.engine.live.stop(ANN, lob.session_id), sa)
    clock.advance(seconds=31)
    [podium, _summary] = await b.engine.live.tick()
    assert isinstance(podium, Podium) and podium.asked == 1 and podium.stopped_by


async def test_a_platform_without_a_session_sink_refuses_live(app: App) -> None:
    from bot.members.identity import Member, Place
    from bot.runtime import commands, dispatch

    slack = Place("slack", "T1", "C1")
    with pytest.raises(UserError, match="not available here"):
        await dispatch.run(app.service, commands.Live(), member=Member("slack", "T1", "U1"), place=slack,
                           is_admin=False)
    assert await app.engine.live.current(slack) is None


async def test_a_crowd_answering_at_once_shares_batches_and_each_gets_its_own_verdict(
        app: App, clock: FakeClock, sink: Sink) -> None:
    """190 players answer in one burst (with a double click, a forged option and a stale question among
    them): the answers are written in a few shared transactions, each caller gets its own reply, every
    stored row is one accepted reply, and the question ends once everyone has answered."""
    import asyncio

    from sqlalchemy import event

    from bot.errors import BadAnswer
    from bot.members.identity import Member
    from bot.storage.models import SessionAnswer, SessionPlayer

    live = app.engine.live
    crowd = [Member("console", "local", f"p{i}", f"P{i}") for i in range(190)]
    lob = await app.engine.live.start(crowd[0], PLACE, LiveOptions(count=2, seconds=30))
    for m in crowd[1:150]:  # 149 more join; 40 never do (answering joins them; one is refused throughout)
        await live.join(m, lob.session_id)
    for m in crowd[150:]:
        await app.engine.core.resolve(m)  # known members: their answers go in the first batches
    clock.advance(seconds=30)
    [q0] = await live.tick()
    clock.advance(seconds=3)
    commits = 0

    def counting(_conn: object) -> None:
        nonlocal commits
        commits += 1
    event.listen(app.engine.core.db.engine, "commit", counting)
    odd = [live.answer(crowd[189], lob.session_id, 0, 7),  # an option the question does not have
           live.answer(crowd[189], lob.session_id, 1, 0)]  # a question not open yet
    calls = [live.answer(m, lob.session_id, 0, right(app, q0) if i % 2 else wrong(app, q0))
             for i, m in enumerate(crowd[:189])]
    calls.insert(10, live.answer(crowd[5], lob.session_id, 0, right(app, q0)))  # a double click, same batch
    got = await asyncio.gather(*odd, *calls, return_exceptions=True)
    event.remove(app.engine.core.db.engine, "commit", counting)
    locked = [g for g in got if not isinstance(g, BaseException)]
    assert len(locked) == 189 and all(g.elapsed_ms == 3000 for g in locked)
    assert [type(g) for g in got if isinstance(g, BaseException)] == [BadAnswer, RoundClosed, AlreadyAnswered]
    assert commits <= 10, commits  # shared transactions, not one per answer
    with app.engine.core.db.session() as s:
        assert s.execute(select(func.count()).select_from(SessionAnswer)).scalar_one() == 189
        assert s.execute(select(func.count()).select_from(SessionPlayer)).scalar_one() == 189
    # Every player has answered (a refused answer does not join): the question ended with the burst.
    [r0] = sink.reveals
    assert r0.answered == 189 and r0.players == 189 and len(r0.correct_names) == 94
    with pytest.raises(RoundClosed):
        await live.answer(crowd[189], lob.session_id, 0, 0)


async def test_an_idle_tick_reads_once_and_takes_no_lock(app: App, clock: FakeClock, sink: Sink) -> None:
    """Four ticks a second in every process: when nothing is due they must not queue for SQLite's
    write lock (a BEGIN IMMEDIATE each) behind the answers, nor hold it up."""
    from sqlalchemy import event

    lob = await app.engine.live.start(ANN, PLACE, LiveOptions(count=1, seconds=20))
    statements: list[str] = []

    def executed(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        statements.append(sql)
    event.listen(app.engine.core.db.engine, "before_cursor_execute", executed)
    try:
        assert await app.engine.live.tick() == [] and await app.engine.interviews.tick() == []
        idle = list(statements)
        clock.advance(seconds=30)  # the lobby's time is up: now the tick claims and steps
        [q0] = await app.engine.live.tick()
    finally:
        event.remove(app.engine.core.db.engine, "before_cursor_execute", executed)
    assert len(idle) == 2 and not any("BEGIN" in q or "FOR UPDATE" in q for q in idle), idle
    assert q0.session_id == lob.session_id and len(statements) > len(idle)
