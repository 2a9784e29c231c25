"""The practice cache's change counter (accounts.practice_version, revision 0010): every writer of
practice state moves it, so another process's next ask sees the write; a forgotten account's
reused id does not match its old cached state; a warm ask batch reads one stamp query.

SQLite and (with DRILLBOT_TEST_DATABASE_URL) PostgreSQL; two apps on one database are two
processes as far as the cache is concerned (tests/test_practice_cache.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import fsrs
import pytest
from sqlalchemy import event, select

from bot.clock import FakeClock
from bot.members.identity import Member
from bot.practice import cards, state
from bot.runtime.builder import App
from bot.sessions.rules import LiveOptions
from bot.storage.models import Account
from tests.conftest import CONTENT, PLACE, FakePoster, make_app, member

Step = Callable[[App, Member], Awaitable[Any]]


@pytest.fixture
def two(db_url: str, clock: FakeClock) -> Iterator[tuple[App, App]]:
    a, b = make_app(db_url, clock, content=CONTENT), make_app(db_url, clock, content=CONTENT)
    b.service.add_poster(FakePoster())
    yield a, b
    a.close()
    b.close()


def account_id(app: App, m: Member) -> int:
    with app.db.session() as s:
        return int(s.execute(select(Account.id).where(Account.external_id == m.user)).scalar_one())


def fresh(app: App, acc: int) -> state.State:
    """The member's state read afresh from the database (what the cache must agree with)."""
    with app.db.session() as s:
        conn = s.connection()
        return state.load(conn, state.stamps(conn, [acc]))[acc]


def same(x: state.State | None, y: state.State) -> bool:
    """Equal states, cards in the same order of due time (``choose`` takes the first due one)."""
    return x is not None and (x.stamp, set(x.cards), x.seen, x.accuracy) == (y.stamp, set(y.cards), y.seen,
                                                                              y.accuracy) \
        and [due for _q, due in x.cards] == [due for _q, due in y.cards]


def correct(app: App, qid: str) -> int:
    lq = app.engine.library.get(qid)
    assert lq is not None
    return lq.q.correct_index or 0


async def practise(app: App, m: Member, *, right: bool) -> str:
    """Ask for a practice question and answer it (a typed answer for an open one); its id."""
    card = await app.engine.practice.ask(m)
    lq = app.engine.library.get(card.question_id)
    assert lq is not None
    if lq.q.kind == "open":
        await app.engine.practice.answer(m, lq.id, text=(lq.q.model_answer or "") if right else "no idea")
    else:
        await app.engine.practice.answer(m, lq.id, choice=correct(app, lq.id) if right else
                                         (correct(app, lq.id) + 1) % len(lq.q.options))
    return lq.id


async def daily_round(app: App, *, kind: str | None = None) -> tuple[int, str]:
    """A daily round opened now in PLACE (of ``kind`` if given): (round id, question id)."""
    await app.engine.schedules.set(PLACE, time_of_day="09:00", timezone="UTC", levels=("mid",))
    for _ in range(40):
        opened = await app.engine.rounds.post_now(PLACE)
        if kind is None or opened.card.kind == kind:
            return opened.round_id, opened.card.question_id
        await app.engine.rounds.close(opened.round_id)
    raise AssertionError(f"no {kind} question came up")


# Each writer: what it needs first (in B, before A caches the member's state), then the write (in B).
async def nothing(b: App, m: Member) -> None:
    await b.engine.practice.ask(m)


async def answer_practice(b: App, m: Member) -> None:
    await practise(b, m, right=True)


async def answered_once(b: App, m: Member) -> str:
    return await practise(b, m, right=True)


async def rerate(b: App, m: Member) -> None:
    from bot.storage.models import Card
    with b.db.session() as s:
        qid = s.execute(select(Card.question_id).where(Card.account_id == account_id(b, m))).scalar_one()
    await b.engine.practice.rate(m, qid, "again")


async def answered_open_wrong(b: App, m: Member) -> None:
    for _ in range(40):
        card = await b.engine.practice.ask(m, level="mid")
        lq = b.engine.library.get(card.question_id)
        assert lq is not None
        if lq.q.kind == "open":
            await b.engine.practice.answer(m, lq.id, text="no idea")
            return
        await b.engine.practice.answer(m, lq.id, choice=correct(b, lq.id))
    raise AssertionError("no open question came up")


async def overrule(b: App, m: Member) -> None:
    from bot.storage.models import PracticeAnswer
    with b.db.session() as s:
        qid = s.execute(select(PracticeAnswer.question_id).where(PracticeAnswer.text.is_not(None))).scalar_one()
    await b.engine.practice.overrule(m, qid)


async def answer_daily(b: App, m: Member) -> None:
    round_id, qid = await daily_round(b)
    lq = b.engine.library.get(qid)
    assert lq is not None
    if lq.q.kind == "open":
        await b.engine.rounds.answer(m, round_id, text="no idea", where=PLACE)
    else:
        await b.engine.rounds.answer(m, round_id, choice=correct(b, qid), where=PLACE)


async def disputed(b: App, m: Member) -> None:
    round_id, _qid = await daily_round(b, kind="open")
    await b.engine.rounds.answer(m, round_id, text="no idea at all", where=PLACE)
    await b.engine.disputes.file(m, round_id)


async def grant(b: App, m: Member) -> None:
    from bot.storage.models import Report
    with b.db.session() as s:
        dispute = s.execute(select(Report.id).where(Report.kind == "dispute")).scalar_one()
    await b.engine.disputes.decide(PLACE, dispute, grant=True)  # the answer now counts as correct


async def live_lobby(b: App, m: Member) -> None:
    await b.engine.live.start(m, PLACE, LiveOptions(count=1, seconds=30))


async def live_answer(b: App, m: Member) -> None:
    from bot.storage.models import LiveSession
    with b.db.session() as s:
        sid = s.execute(select(LiveSession.id)).scalar_one()
    [q0] = await b.engine.live.begin(m, sid)
    await b.engine.live.answer(m, sid, 0, correct(b, q0.card.question_id))  # the only player: revealed now


async def interview(b: App, m: Member) -> None:
    await b.engine.interviews.start(m, PLACE, "junior", length=2, minutes=5)


async def stop_interview(b: App, m: Member) -> None:
    await b.engine.interviews.stop(m)  # both questions unanswered: recorded as missed, cards reviewed


async def forget(b: App, m: Member) -> None:
    await b.engine.members.forget(m)


WRITERS: dict[str, tuple[Step, Step]] = {
    "practice answer (cards.record_many)": (nothing, answer_practice),
    "re-rating (cards.rate)": (answered_once, rerate),
    "I was right (cards.rate)": (answered_open_wrong, overrule),
    "daily answer (rounds.answers)": (nothing, answer_daily),
    "dispute granted (regrade)": (disputed, grant),
    "live session reveal": (live_lobby, live_answer),
    "interview end": (interview, stop_interview),
    "forget-me": (answered_once, forget),
}


@pytest.mark.parametrize("writer", list(WRITERS))
async def test_every_writer_moves_the_version_so_another_process_sees_it(
        two: tuple[App, App], writer: str) -> None:
    a, b = two
    prepare, write = WRITERS[writer]
    m = member("wes")
    await prepare(b, m)
    await a.engine.practice.ask(m)  # A caches wes's state as of now
    acc = account_id(a, m)
    before = fresh(a, acc)
    assert same(a.engine.practice.states.get(acc), before)
    await write(b, m)
    misses = a.engine.practice.states.misses
    await a.engine.practice.ask(m)  # after forget-me, A asks with the id it knows: the account is gone
    after = fresh(a, acc)
    assert after != before  # the write changed what ``choose`` reads
    assert a.engine.practice.states.misses == misses + 1, writer  # the stamp moved: not a cache hit
    assert same(a.engine.practice.states.get(acc), after), writer


async def test_a_reused_id_after_forget_me_does_not_match_the_old_state(two: tuple[App, App], db_url: str) -> None:
    """SQLite gives a new row the highest id + 1, so the forgotten (newest) account's id comes back;
    the new account reaches the same version as the old one, and only the token tells them apart."""
    a, b = two
    m = member("ida")
    first = await practise(b, m, right=True)  # version 1
    await a.engine.practice.ask(m)
    old = account_id(a, m)
    cached = a.engine.practice.states.get(old)
    assert cached is not None and first in cached.seen and cached.stamp[1] == 1
    second = first
    while second == first:  # the new account's one answer, to another question: version 1 again
        await b.engine.members.forget(m)
        second = await practise(b, m, right=True)
    new = account_id(b, m)
    if db_url.startswith("sqlite"):
        assert new == old  # the case this guards against
    a.engine.core.forget_ids(m)  # A learns the new id as after a stale-id failure (``Core.with_ids``)
    card = await a.engine.practice.ask(m)
    st = a.engine.practice.states.get(new)
    assert st is not None and st.stamp[1] == 1 and second in st.seen and first not in st.seen
    assert same(st, fresh(a, new)) and card.question_id != second


async def test_a_warm_ask_batch_reads_one_stamp_query_and_nothing_else(two: tuple[App, App]) -> None:
    a, _b = two
    crowd = [member(f"w{i}") for i in range(20)]
    for m in crowd:
        await practise(a, m, right=True)
        await a.engine.practice.ask(m)  # cached, up to date
    statements: list[str] = []
    commits: list[int] = []

    def executed(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        statements.append(sql)

    def committed(_conn: object) -> None:
        commits.append(1)
    event.listen(a.db.engine, "before_cursor_execute", executed)
    event.listen(a.db.engine, "commit", committed)
    hits = a.engine.practice.states.hits
    try:
        await asyncio.gather(*(a.engine.practice.ask(m) for m in crowd))
    finally:
        event.remove(a.db.engine, "before_cursor_execute", executed)
        event.remove(a.db.engine, "commit", committed)
    assert a.engine.practice.states.hits == hits + len(crowd)
    stamp_reads = [q for q in statements if "practice_version" in q]
    assert len(stamp_reads) == len(commits) < len(crowd) / 4  # one per batch
    touching = [q for q in statements if any(t in q for t in ("cards", "answers"))]
    assert touching == []  # no card or answer read on a warm cache


class Counting:
    """A connection that counts the rows each statement returned (``refresh`` only executes)."""

    def __init__(self, conn: Any) -> None:
        self.conn, self.rows = conn, []  # type: ignore[var-annotated]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def execute(self, stmt: Any, *args: Any, **kw: Any) -> Any:
        res = self.conn.execute(stmt, *args, **kw)
        if not res.returns_rows:
            return res
        got = list(res)
        self.rows.append((str(stmt), len(got)))
        return got


async def test_a_patch_reads_each_members_answers_since_its_own_newest_only(two: tuple[App, App]) -> None:
    """One bound for the whole batch (the oldest member's newest answer) read every later answer of
    every member: tens of thousands of rows for a batch of returning members, to keep a handful."""
    a, _b = two
    crowd = [member(f"n{i}") for i in range(4)]
    for i, m in enumerate(crowd):
        for _ in range(2 + 3 * i):  # the members' newest answers are far apart
            await practise(a, m, right=True)
    ids = [account_id(a, m) for m in crowd]
    with a.db.session() as s:
        conn = s.connection()
        cached = state.load(conn, state.stamps(conn, ids))
    for m in crowd:
        await practise(a, m, right=False)  # one new answer each
    with a.db.session() as s:
        conn = Counting(s.connection())
        now = state.stamps(conn, ids)  # type: ignore[arg-type]
        got, patched = state.refresh(conn, now, cached)  # type: ignore[arg-type]
    assert patched == len(crowd) and all(same(got[x], fresh(a, x)) for x in ids)
    practice_rows = [n for sql, n in conn.rows if "practice_answers" in sql and "max(" not in sql.lower()]
    assert practice_rows == [len(crowd)]  # the four new answers, nothing older


async def test_a_review_batch_reads_only_the_cards_it_reviews(two: tuple[App, App], clock: FakeClock) -> None:
    """Reviews of different questions by different members read each (member, question) card,
    not every card of every member that is any of the batch's questions (a practice crowd's
    batch of 200 read and decoded ~30,000 cards)."""
    a, _b = two
    crowd = [member(f"r{i}") for i in range(3)]
    for m in crowd:
        await practise(a, m, right=True)
    ids = [account_id(a, m) for m in crowd]
    qs = [q.id for q in a.engine.library.questions[:3]]
    now = clock.now()

    def review(pairs: list[tuple[int, str]]) -> list[tuple[str, int]]:
        with a.db.session() as s, s.begin():
            conn = Counting(s.connection())
            s.connection = lambda: conn  # type: ignore[method-assign,assignment,return-value]
            cards.review_many(s, [cards.Review(acc, q, True, now) for acc, q in pairs], fsrs.Scheduler())
        return [(sql, n) for sql, n in conn.rows if ".state" in sql]  # the cards read to review

    review([(acc, q) for acc in ids for q in qs])  # every member has a card for all three questions
    read = review(list(zip(ids, qs, strict=True)))  # each reviews a different one of them
    assert [n for _sql, n in read] == [3]
