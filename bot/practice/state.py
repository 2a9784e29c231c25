"""What ``choose`` needs to know about a member, kept in memory between questions.

A member's state (their cards by due date, the questions they have seen, their accuracy
per topic) is read from the database once and kept here.  Every ask checks it with a
*stamp*: a few aggregates over the member's rows (counts, newest review, the sum of the
cards' due times, newest answers) read in one small query for the whole batch.  Any
write to those rows, by this process or another (an answer, a re-rating, a daily answer,
forget-me), changes the stamp, and the state is read again.  So a stale entry costs one
extra query, never a wrong question; reviews are always read and written in the database
(``cards.review_many``), never from here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    String,
    bindparam,
    case,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)

from bot.storage.models import Answer, Card, PracticeAnswer

Stamp = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class State:
    """One member's practice state as of ``stamp``."""

    stamp: Stamp
    cards: tuple[tuple[str, Any], ...]  # (question id, due as ``due_key`` gives it), soonest first
    seen: frozenset[str]
    accuracy: dict[str, tuple[int, int]]  # topic -> (answered, correct), daily and practice answers


EMPTY: Stamp = (0, None, None, 0, None, 0, None)


class StateCache:
    """A bounded map of account id -> ``State`` (least recently used out first); thread-safe."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._states: OrderedDict[int, State] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, account_id: int) -> State | None:
        with self._lock:
            state = self._states.get(account_id)
            if state is not None:
                self._states.move_to_end(account_id)
            return state

    def put(self, account_id: int, state: State) -> None:
        with self._lock:
            self._states[account_id] = state
            self._states.move_to_end(account_id)
            while len(self._states) > self.size:
                self._states.popitem(last=False)

    def drop(self, account_id: int) -> None:
        with self._lock:
            self._states.pop(account_id, None)

    def __len__(self) -> int:
        return len(self._states)


# -- the statements, built once (SQLAlchemy then compiles each once per dialect) -------------------

_IDS: Any = bindparam("ids", expanding=True)


def _due_sum(dialect: str) -> Any:
    if dialect == "sqlite":
        return func.sum(func.julianday(Card.due))
    return func.sum(func.extract("epoch", Card.due))


def _stamp_statements(dialect: str) -> tuple[Any, Any, Any]:
    cards = (select(Card.account_id, func.count(), func.max(Card.reviewed_at), _due_sum(dialect))
             .where(Card.account_id.in_(_IDS)).group_by(Card.account_id))
    practice = (select(PracticeAnswer.account_id, func.count(), func.max(PracticeAnswer.id))
                .where(PracticeAnswer.account_id.in_(_IDS)).group_by(PracticeAnswer.account_id))
    daily = (select(Answer.account_id, func.count(), func.max(Answer.id))
             .where(Answer.account_id.in_(_IDS)).group_by(Answer.account_id))
    return cards, practice, daily


_STAMPS: dict[str, tuple[Any, Any, Any]] = {}

# Due times are read as the driver gives them, without the column type's conversion (for a
# returning member's few hundred cards that conversion was most of the read): on SQLite the
# stored text, whose fixed format (microseconds always written) sorts as the times do; on
# PostgreSQL an aware datetime.  ``due_key`` turns "now" into the same form.
_CARDS = (select(Card.account_id, Card.question_id, type_coerce(Card.due, String))
          .where(Card.account_id.in_(_IDS)).order_by(Card.account_id, Card.due, Card.question_id))
_CARDS_PG = (select(Card.account_id, Card.question_id, type_coerce(Card.due, DateTime(timezone=True)))
             .where(Card.account_id.in_(_IDS)).order_by(Card.account_id, Card.due, Card.question_id))


def due_key(dialect: str, when: datetime) -> Any:
    """``when`` in the form ``load`` reads due times in, for comparing with them."""
    if dialect == "sqlite":
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return when

_both = union_all(
    select(Answer.account_id, Answer.topic, Answer.correct).where(Answer.account_id.in_(_IDS)),
    select(PracticeAnswer.account_id, PracticeAnswer.topic, PracticeAnswer.correct)
    .where(PracticeAnswer.account_id.in_(_IDS)),
).subquery()
_ACCURACY = (select(_both.c.account_id, _both.c.topic, func.count(),
                    func.sum(case((_both.c.correct, literal_column("1")), else_=literal_column("0"))))
             .group_by(_both.c.account_id, _both.c.topic))


def stamps(conn: Connection, account_ids: list[int]) -> dict[int, Stamp]:
    """The current stamp of each account (``EMPTY`` for one with no rows)."""
    name = conn.dialect.name
    stmts = _STAMPS.get(name)
    if stmts is None:
        stmts = _STAMPS[name] = _stamp_statements(name)
    cards_q, practice_q, daily_q = stmts
    params = {"ids": account_ids}
    c = {a: (n, r, d) for a, n, r, d in conn.execute(cards_q, params)}
    p = {a: (n, m) for a, n, m in conn.execute(practice_q, params)}
    q = {a: (n, m) for a, n, m in conn.execute(daily_q, params)}
    return {a: (*c.get(a, (0, None, None)), *p.get(a, (0, None)), *q.get(a, (0, None))) for a in account_ids}


def load(conn: Connection, stamped: dict[int, Stamp]) -> dict[int, State]:
    """Read the states of the accounts in ``stamped`` (two queries for all of them).

    The stamps must have been read before this: a write landing in between then makes the
    stored stamp older than the state, which costs one more read later, never a stale state.
    """
    ids = sorted(stamped)
    params = {"ids": ids}
    cards: dict[int, list[tuple[str, Any]]] = {a: [] for a in ids}
    for a, qid, due in conn.execute(_CARDS if conn.dialect.name == "sqlite" else _CARDS_PG, params):
        cards[a].append((qid, due))
    accuracy: dict[int, dict[str, tuple[int, int]]] = {a: {} for a in ids}
    if any(st[3] or st[5] for st in stamped.values()):  # someone has answers
        for a, topic, n, c in conn.execute(_ACCURACY, params):
            accuracy[a][topic] = (int(n), int(c or 0))
    return {a: State(stamped[a], tuple(cards[a]), frozenset(q for q, _ in cards[a]), accuracy[a]) for a in ids}
