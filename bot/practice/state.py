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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    cast,
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
        self.patched = 0  # misses served by patching the cached state (``refresh``), not a full read

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
    """The sum of the cards' due times in whole microseconds: exact, so ``refresh`` can check a
    state it patched against it (SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff", always with
    microseconds; PostgreSQL's epoch is a numeric)."""
    if dialect == "sqlite":
        seconds = cast(func.strftime("%s", Card.due), Integer)
        return func.sum(seconds * 1_000_000 + cast(func.substr(Card.due, 21, 6), Integer))
    return func.sum(cast(func.extract("epoch", Card.due) * 1_000_000, BigInteger))


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


_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)


def _us(key: Any) -> int:
    """A due time as ``load`` reads it, in microseconds since the epoch (as ``_due_sum`` counts)."""
    if isinstance(key, str):
        return (datetime.fromisoformat(key) - _EPOCH) // _US
    assert isinstance(key, datetime)
    return (key.astimezone(UTC).replace(tzinfo=None) - _EPOCH) // _US


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
    c = {a: (n, r, int(d)) for a, n, r, d in conn.execute(cards_q, params)}
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


# Rows changed since a cached state: cards reviewed since its newest review, answers after its newest.
_SINCE: Any = bindparam("since")
_AFTER: Any = bindparam("after")
_CHANGED_CARDS = (select(Card.account_id, Card.question_id, type_coerce(Card.due, String), Card.reviewed_at)
                  .where(Card.account_id.in_(_IDS), Card.reviewed_at >= _SINCE))
_CHANGED_CARDS_PG = (select(Card.account_id, Card.question_id, type_coerce(Card.due, DateTime(timezone=True)),
                            Card.reviewed_at).where(Card.account_id.in_(_IDS), Card.reviewed_at >= _SINCE))
_NEW_PRACTICE = (select(PracticeAnswer.account_id, PracticeAnswer.id, PracticeAnswer.topic, PracticeAnswer.correct)
                 .where(PracticeAnswer.account_id.in_(_IDS), PracticeAnswer.id > _AFTER))
_NEW_DAILY = (select(Answer.account_id, Answer.id, Answer.topic, Answer.correct)
              .where(Answer.account_id.in_(_IDS), Answer.id > _AFTER))


def refresh(conn: Connection, stamped: dict[int, Stamp], cached: dict[int, State]) -> tuple[dict[int, State], int]:
    """The current states of the accounts in ``stamped`` (their stamps as just read).

    A member with a cached state (say, they answered since) gets it patched with only the rows
    changed since: the cards reviewed since its newest review and the answers after its newest.
    The patched state's own stamp must then equal the one read from the database, else (a
    re-rating, which moves a due time without a review, a forget-me, a deleted round's answers)
    their state is read in full by ``load``.  Also returns how many were patched.
    """
    patchable = {a: st for a, st in cached.items() if a in stamped and st.stamp[0] and st.stamp[1] is not None}
    out: dict[int, State] = {}
    if patchable:
        ids = sorted(patchable)
        since = min(st.stamp[1] for st in patchable.values())
        changed: dict[int, list[tuple[str, Any, Any]]] = {a: [] for a in ids}
        stmt = _CHANGED_CARDS if conn.dialect.name == "sqlite" else _CHANGED_CARDS_PG
        for a, qid, key, reviewed in conn.execute(stmt, {"ids": ids, "since": since}):
            changed[a].append((qid, key, reviewed))
        answers: dict[int, list[tuple[int, str, bool, int]]] = {a: [] for a in ids}  # (id, topic, correct, kind)
        for kind, new_rows, at in ((3, _NEW_PRACTICE, 4), (5, _NEW_DAILY, 6)):
            after = min(st.stamp[at] or 0 for st in patchable.values())
            if all(stamped[a][kind] == patchable[a].stamp[kind] for a in ids):
                continue  # nobody has new answers of this kind
            for a, rid, topic, correct in conn.execute(new_rows, {"ids": ids, "after": after}):
                if rid > (patchable[a].stamp[at] or 0):
                    answers[a].append((rid, topic, bool(correct), kind))
        for a in ids:
            st = _patched(patchable[a], changed[a], answers[a])
            if st.stamp == stamped[a]:
                out[a] = st
    patched = len(out)
    rest = {a: stamp for a, stamp in stamped.items() if a not in out}
    if rest:
        out.update(load(conn, rest))
    return out, patched


def _patched(st: State, changed: list[tuple[str, Any, Any]], answers: list[tuple[int, str, bool, int]]) -> State:
    """``st`` with changed cards and new answers applied, and the stamp that would give."""
    count, newest, due_sum, p_count, p_max, d_count, d_max = st.stamp
    dues = dict(st.cards)
    for qid, key, reviewed in changed:
        old = dues.get(qid)
        if old is None:
            count += 1
        else:
            due_sum -= _us(old)
        due_sum += _us(key)
        dues[qid] = key
        newest = max(newest, reviewed)
    accuracy = dict(st.accuracy)
    for rid, topic, correct, kind in answers:
        n, c = accuracy.get(topic, (0, 0))
        accuracy[topic] = (n + 1, c + int(correct))
        if kind == 3:
            p_count, p_max = p_count + 1, max(p_max or 0, rid)
        else:
            d_count, d_max = d_count + 1, max(d_max or 0, rid)
    cards = tuple(sorted(dues.items(), key=lambda item: (item[1], item[0]))) if changed else st.cards
    return State((count, newest, due_sum, p_count, p_max, d_count, d_max), cards, frozenset(dues), accuracy)
