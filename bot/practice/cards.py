"""Private practice chosen by spaced repetition (FSRS).

Order: reviews that are due (oldest first); then questions never seen, from
a topic drawn with weight growing as the member's accuracy in it falls; then,
when everything is learnt, the review due soonest.  Practice never earns
leaderboard points: it is for learning, and unlimited attempts would let
anyone farm the board.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import fsrs
from sqlalchemy import case, func, select, union_all, update
from sqlalchemy.orm import Session

from bot.config import PracticeSection, parse_duration
from bot.content import Library, LoadedQuestion
from bot.practice import state
from bot.storage.bulk import Bulk
from bot.storage.models import Answer, Card, PracticeAnswer
from bot.storage.upsert import insert_for

RATINGS: dict[str, fsrs.Rating] = {"again": fsrs.Rating.Again, "hard": fsrs.Rating.Hard,
                                    "good": fsrs.Rating.Good, "easy": fsrs.Rating.Easy}


@functools.lru_cache(maxsize=8)
def scheduler_for(section: PracticeSection) -> fsrs.Scheduler:
    """FSRS with the community's steps: hours and days for a daily habit, not FSRS's default minutes."""
    return fsrs.Scheduler(desired_retention=section.desired_retention,
                          learning_steps=tuple(parse_duration(v) for v in section.learning_steps),
                          relearning_steps=tuple(parse_duration(v) for v in section.relearning_steps),
                          maximum_interval=section.maximum_interval_days, enable_fuzzing=False)


@dataclass(frozen=True, slots=True)
class Choice:
    question: LoadedQuestion
    reason: str  # "review" | "new" | "ahead"


def topic_accuracy(s: Session, account_id: int) -> dict[str, tuple[int, int]]:
    """(answered, correct) per topic over daily and practice answers."""
    both = union_all(
        select(Answer.topic, Answer.correct).where(Answer.account_id == account_id),
        select(PracticeAnswer.topic, PracticeAnswer.correct).where(PracticeAnswer.account_id == account_id),
    ).subquery()
    rows = s.execute(select(both.c.topic, func.count(), func.sum(case((both.c.correct, 1), else_=0)))
                     .group_by(both.c.topic)).all()
    return {t: (int(n), int(c or 0)) for t, n, c in rows}


def weight(answered: int, correct: int) -> float:
    """Topic weight for new questions: weaker topics come up more often (1x to 4x)."""
    if answered == 0:
        return 1.5
    # Laplace-smoothed error rate, so one lucky answer does not hide a topic.
    error = (answered - correct + 1) / (answered + 2)
    return 1.0 + 3.0 * error


_ORDER = {"junior": 0, "mid": 1, "senior": 2}


def choose_from(st: state.State, pool: Sequence[LoadedQuestion], library: Library, *, now: Any,
                rng: random.Random, pool_ids: frozenset[str] | None = None) -> Choice | None:
    """The next question from ``pool`` for a member in state ``st``; ``now`` as ``state.due_key`` gives it."""
    if not pool:
        return None
    ids = pool_ids if pool_ids is not None else frozenset(q.id for q in pool)
    # The member's soonest-due card among the pool's questions (cards are soonest first).
    first = next(((qid, due) for qid, due in st.cards if qid in ids), None)
    if first is not None and first[1] <= now:
        return Choice(_get(library, first[0]), "review")
    groups, seen = _grouped(ids, library), st.seen
    names = [t for t, g in groups.items() if not g.ids <= seen]
    if names:  # some question of the pool is new to the member
        weights = [weight(*st.accuracy.get(t, (0, 0))) for t in names]
        group = groups[rng.choices(names, weights=weights, k=1)[0]]
        if not seen:  # a new member: the topic's easiest questions, worked out once
            return Choice(rng.choice(group.easiest), "new")
        fresh = [(order, q) for qid, order, q in group.questions if qid not in seen]
        lowest = min(order for order, _q in fresh)  # easier questions first within a topic
        return Choice(rng.choice([q for order, q in fresh if order == lowest]), "new")
    assert first is not None  # every question of the pool is seen, so it has a card
    return Choice(_get(library, first[0]), "ahead")


@dataclass(frozen=True, slots=True)
class _Group:
    """One topic's questions in a pool: (id, level rank, question) in id order, their ids, and
    the easiest of them in the same order (what a member who has seen none is offered)."""

    questions: tuple[tuple[str, int, LoadedQuestion], ...]
    ids: frozenset[str]
    easiest: tuple[LoadedQuestion, ...]


@functools.lru_cache(maxsize=256)
def _grouped(ids: frozenset[str], library: Library) -> dict[str, _Group]:
    """A pool's questions by topic (topics in name order, questions in id order, so a seeded rng
    draws the same in every process), with their level's rank: worked out once per pool (the
    pools are built once per filter, so the same set comes back and its hash is kept)."""
    by_topic: dict[str, list[tuple[str, int, LoadedQuestion]]] = {}
    for qid in sorted(ids):
        q = _get(library, qid)
        by_topic.setdefault(q.topic, []).append((qid, _ORDER[q.q.level], q))
    out: dict[str, _Group] = {}
    for t in sorted(by_topic):
        qs = tuple(by_topic[t])
        lowest = min(order for _qid, order, _q in qs)
        out[t] = _Group(qs, frozenset(qid for qid, _o, _q in qs), tuple(q for _qid, o, q in qs if o == lowest))
    return out


def _get(library: Library, qid: str) -> LoadedQuestion:
    lq = library.get(qid)
    assert lq is not None, qid
    return lq


@dataclass(frozen=True, slots=True)
class Ask:
    """One member's request for a practice question."""

    account_id: int
    now: datetime
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()


def choose_many(s: Session, library: Library, asks: list[Ask], cache: state.StateCache, rng: random.Random,
                pools: Callable[[tuple[str, ...], tuple[str, ...]], tuple[list[LoadedQuestion], frozenset[str]]],
                ) -> list[Choice | None]:
    """The next question for each of many members in one transaction: one stamp query for all,
    and the states read only for the members whose cached state is missing or out of date."""
    conn = s.connection()
    current = state.stamps(conn, sorted({a.account_id for a in asks}))
    known: dict[int, state.State] = {}
    stale: dict[int, state.Stamp] = {}
    outdated: dict[int, state.State] = {}
    for account_id, stamp in current.items():
        cached = cache.get(account_id)
        if cached is not None and cached.stamp == stamp:
            known[account_id] = cached
            cache.hits += 1
        else:
            stale[account_id] = stamp
            cache.misses += 1
            if cached is not None:
                outdated[account_id] = cached
    if stale:
        fresh, patched = state.refresh(conn, stale, outdated)
        cache.patched += patched
        for account_id, st in fresh.items():
            cache.put(account_id, st)
            known[account_id] = st
    out: list[Choice | None] = []
    for a in asks:
        pool, ids = pools(a.topics, a.levels)
        out.append(choose_from(known[a.account_id], pool, library, now=state.due_key(conn.dialect.name, a.now),
                               rng=rng, pool_ids=ids))
    return out


def _card_upsert(dialect: str) -> Any:
    t = Card.__table__
    stmt = insert_for(dialect, t)
    return stmt.on_conflict_do_update(index_elements=[t.c.account_id, t.c.question_id],
                                      set_={"due": stmt.excluded.due, "state": stmt.excluded.state,
                                            "previous": stmt.excluded.previous,
                                            "reviewed_at": stmt.excluded.reviewed_at})


_CARD_UPSERT = Bulk(_card_upsert)


@dataclass(frozen=True, slots=True)
class Review:
    account_id: int
    question_id: str
    correct: bool
    when: datetime
    rating: fsrs.Rating | None = None  # the member's own; else Good when correct, Again when not


def review_many(s: Session, reviews: list[Review], scheduler: fsrs.Scheduler) -> list[datetime]:
    """Feed graded attempts to FSRS (one read, one write for all); returns when each is due again.

    Each card keeps its state from before this review, so the member's own rating can replace
    the grader's afterwards (``rate``).
    """
    if not reviews:
        return []
    conn = s.connection()
    # By (member, question) pair: members and questions apart would read, and decode, every card
    # of every member that is any of the batch's questions (~30,000 for 200 practice answers).
    cards: dict[tuple[int, str], fsrs.Card] = {
        (a, q): fsrs.Card.from_json(st) for a, q, st in state.cards_by_pair(
            conn, "state", sorted({(r.account_id, r.question_id) for r in reviews}))}
    dues = []
    before: dict[tuple[int, str], str | None] = {}
    for r in reviews:
        key = (r.account_id, r.question_id)
        old = cards.get(key)
        before[key] = old.to_json() if old is not None else None
        # An explicit card_id: fsrs otherwise derives one from the clock and sleeps 1 ms to keep it unique.
        rating = r.rating or (fsrs.Rating.Good if r.correct else fsrs.Rating.Again)
        card, _log = scheduler.review_card(old or fsrs.Card(card_id=r.account_id), rating, r.when)
        cards[key] = card
        dues.append(card.due)
    when = {(r.account_id, r.question_id): r.when for r in reviews}
    _CARD_UPSERT.execute(conn, [
        {"account_id": a, "question_id": q, "due": cards[(a, q)].due, "state": cards[(a, q)].to_json(),
         "previous": before[(a, q)], "reviewed_at": when[(a, q)]}
        for a, q in sorted(when)])
    # One per review: each comes with its answer row, which is how ``state.refresh`` counts them.
    state.bump(conn, [r.account_id for r in reviews])
    return dues


def due_now(s: Session, account_id: int, question_ids: Iterable[str], now: datetime) -> None:
    """Make these reviewed cards due at ``now`` (a mock interview's missed questions: practice asks
    them before anything new); FSRS's own state is kept, so the next review schedules as usual."""
    qids = sorted(set(question_ids))
    if not qids:
        return
    s.execute(update(Card).where(Card.account_id == account_id, Card.question_id.in_(qids)).values(due=now))
    state.bump(s.connection(), [account_id])  # not a review: a cached state is then read again in full


def rate(s: Session, *, account_id: int, question_id: str, rating: fsrs.Rating,
         scheduler: fsrs.Scheduler) -> datetime | None:
    """Replace the last review's rating with the member's own; when the card is due now (None: no review)."""
    row = s.get(Card, (account_id, question_id))
    if row is None or row.reviewed_at is None:
        return None
    base = fsrs.Card.from_json(row.previous) if row.previous else fsrs.Card(card_id=account_id)
    card, _log = scheduler.review_card(base, rating, row.reviewed_at)
    row.state, row.due = card.to_json(), card.due
    state.bump(s.connection(), [account_id])
    return card.due


@dataclass(frozen=True, slots=True)
class Attempt:
    """A graded practice answer, to be stored and fed to its card."""

    account_id: int
    question: LoadedQuestion
    correct: bool
    when: datetime
    text: str | None = None  # an open answer's text, kept for "I was right" and the maintainers


_ANSWER_INSERT = Bulk(lambda dialect: insert_for(dialect, PracticeAnswer.__table__))


def record_many(s: Session, attempts: Sequence[Attempt], scheduler: fsrs.Scheduler) -> list[datetime]:
    """Store practice attempts and review their cards; returns when each question is due again."""
    # Rows, not ORM objects (half the cost of a batch).  The answers' foreign keys fail here, before
    # any card is written (a stale id: ``Core.with_ids``).
    _ANSWER_INSERT.execute(s.connection(), [
        {"account_id": a.account_id, "question_id": a.question.id, "topic": a.question.topic,
         "correct": a.correct, "answered_at": a.when, "text": a.text} for a in attempts])
    return review_many(s, [Review(a.account_id, a.question.id, a.correct, a.when) for a in attempts], scheduler)


def reviews_due(s: Session, account_id: int, now: datetime) -> int:
    return int(s.execute(select(func.count()).select_from(Card)
                         .where(Card.account_id == account_id, Card.due <= now)).scalar_one())
