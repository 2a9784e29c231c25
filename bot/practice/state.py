"""What ``choose`` needs to know about a member, kept in memory between questions.

A member's state (their cards by due date, the questions they have seen, their accuracy
per topic) is read from the database once and kept here.  Every ask checks it with a
*stamp*: a few aggregates over the member's rows (the number of cards and the sum of their
due times in seconds, from the cards' (account, due) index alone; the number of practice
and daily answers and the newest of each), read in one small query per table for the whole
batch.  Every write to those rows, by this process or another, changes the stamp: a review
moves its card's due time (and comes with an answer row), a re-rating moves a due time,
forget-me removes the rows.  A state whose stamp is out of date is patched with the rows
changed since (``refresh``) or read again in full.  So a stale entry costs an extra query,
never a wrong question; reviews are always read and written in the database
(``cards.review_many``), never from here.
"""

from __future__ import annotations

import sys
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
    tuple_,
    type_coerce,
    union_all,
)

from bot.storage.models import Answer, Card, PracticeAnswer, Round

Stamp = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class State:
    """One member's practice state as of ``stamp``."""

    stamp: Stamp
    cards: tuple[tuple[str, Any], ...]  # (question id, due as ``due_key`` gives it), soonest first
    seen: frozenset[str]
    accuracy: dict[str, tuple[int, int]]  # topic -> (answered, correct), daily and practice answers


# (cards, sum of their due times in seconds, practice answers, newest id, daily answers, newest id)
EMPTY: Stamp = (0, 0, 0, None, 0, None)


class StateCache:
    """A bounded map of account id -> ``State`` (least recently used out first); thread-safe.

    A member with 250 cards takes ~40 kB here (question ids are interned, so shared), so the
    default bound keeps it under ~40 MB; a crowd larger than that costs full reads, not errors.
    """

    def __init__(self, size: int = 1000) -> None:
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


def _due_seconds(dialect: str) -> Any:
    """A card's due time in whole seconds since the epoch, as ``_seconds`` computes it in Python."""
    if dialect == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
        return cast(func.strftime("%s", Card.due), Integer)
    return cast(func.floor(func.extract("epoch", Card.due)), BigInteger)


def _stamp_statements(dialect: str) -> tuple[Any, Any, Any]:
    cards = (select(Card.account_id, func.count(), func.sum(_due_seconds(dialect)))
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
_SQLITE_DUE = type_coerce(Card.due, String)
_PG_DUE = type_coerce(Card.due, DateTime(timezone=True))
_CARDS = (select(Card.account_id, Card.question_id, _SQLITE_DUE)
          .where(Card.account_id.in_(_IDS)).order_by(Card.account_id, Card.due, Card.question_id))
_CARDS_PG = (select(Card.account_id, Card.question_id, _PG_DUE)
             .where(Card.account_id.in_(_IDS)).order_by(Card.account_id, Card.due, Card.question_id))


def due_key(dialect: str, when: datetime) -> Any:
    """``when`` in the form ``load`` reads due times in, for comparing with them."""
    if dialect == "sqlite":
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return when


_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


def _seconds(key: Any) -> int:
    """A due time as ``load`` reads it, in whole seconds since the epoch (as ``_due_seconds`` counts)."""
    if isinstance(key, str):
        return (datetime.fromisoformat(key) - _EPOCH) // _SECOND
    assert isinstance(key, datetime)
    return (key.astimezone(UTC).replace(tzinfo=None) - _EPOCH) // _SECOND


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
    c = {a: (n, int(d)) for a, n, d in conn.execute(cards_q, params)}
    p = {a: (n, m) for a, n, m in conn.execute(practice_q, params)}
    q = {a: (n, m) for a, n, m in conn.execute(daily_q, params)}
    return {a: (*c.get(a, (0, 0)), *p.get(a, (0, None)), *q.get(a, (0, None))) for a in account_ids}


def load(conn: Connection, stamped: dict[int, Stamp]) -> dict[int, State]:
    """Read the states of the accounts in ``stamped`` (two queries for all of them).

    The stamps must have been read before this: a write landing in between then makes the
    stored stamp older than the state, which costs one more read later, never a stale state.
    """
    ids = sorted(stamped)
    params = {"ids": ids}
    cards: dict[int, list[tuple[str, Any]]] = {a: [] for a in ids}
    for a, qid, due in conn.execute(_CARDS if conn.dialect.name == "sqlite" else _CARDS_PG, params):
        cards[a].append((sys.intern(qid), due))
    accuracy: dict[int, dict[str, tuple[int, int]]] = {a: {} for a in ids}
    if any(st[2] or st[4] for st in stamped.values()):  # someone has answers
        for a, topic, n, c in conn.execute(_ACCURACY, params):
            accuracy[a][topic] = (int(n), int(c or 0))
    return {a: State(stamped[a], tuple(cards[a]), frozenset(q for q, _ in cards[a]), accuracy[a]) for a in ids}


# What changed since a cached state: the answers after its newest (they name the cards they
# reviewed), then those cards.
_AFTER: Any = bindparam("after")
_NEW_PRACTICE = (select(PracticeAnswer.account_id, PracticeAnswer.id, PracticeAnswer.question_id,
                        PracticeAnswer.topic, PracticeAnswer.correct)
                 .where(PracticeAnswer.account_id.in_(_IDS), PracticeAnswer.id > _AFTER))
_NEW_DAILY = (select(Answer.account_id, Answer.id, Round.question_id, Answer.topic, Answer.correct)
              .join(Round, Round.id == Answer.round_id)
              .where(Answer.account_id.in_(_IDS), Answer.id > _AFTER))
_PAIRS: Any = bindparam("pairs", expanding=True)
_SOME_CARDS = select(Card.account_id, Card.question_id, _SQLITE_DUE).where(
    tuple_(Card.account_id, Card.question_id).in_(_PAIRS))
_SOME_CARDS_PG = select(Card.account_id, Card.question_id, _PG_DUE).where(
    tuple_(Card.account_id, Card.question_id).in_(_PAIRS))

NewAnswer = tuple[int, str, str, bool, int]  # (id, question id, topic, correct, stamp index of its count)


def refresh(conn: Connection, stamped: dict[int, Stamp], cached: dict[int, State]) -> tuple[dict[int, State], int]:
    """The current states of the accounts in ``stamped`` (their stamps as just read).

    A member with a cached state (say, they answered since) gets it patched with only what
    changed since: their answers after its newest, and the cards those answers reviewed.
    The patched state's own stamp must then equal the one read from the database, else (a
    re-rating, which moves a due time without an answer, a forget-me, a deleted round's
    answers) their state is read in full by ``load``.  Also returns how many were patched.
    """
    patchable = {a: st for a, st in cached.items() if a in stamped}
    out: dict[int, State] = {}
    if patchable:
        ids = sorted(patchable)
        answers: dict[int, list[NewAnswer]] = {a: [] for a in ids}
        for count_at, new_rows in ((2, _NEW_PRACTICE), (4, _NEW_DAILY)):
            newest_at = count_at + 1
            if all(stamped[a][count_at] == patchable[a].stamp[count_at] for a in ids):
                continue  # nobody has new answers of this kind
            after = min(patchable[a].stamp[newest_at] or 0 for a in ids)
            for a, rid, qid, topic, correct in conn.execute(new_rows, {"ids": ids, "after": after}):
                if rid > (patchable[a].stamp[newest_at] or 0):
                    answers[a].append((rid, qid, topic, bool(correct), count_at))
        pairs = sorted({(a, qid) for a in ids for _rid, qid, *_ in answers[a]})
        changed: dict[int, list[tuple[str, Any]]] = {a: [] for a in ids}
        if pairs:
            stmt = _SOME_CARDS if conn.dialect.name == "sqlite" else _SOME_CARDS_PG
            for a, qid, key in conn.execute(stmt, {"pairs": pairs}):
                changed[a].append((sys.intern(qid), key))
        for a in ids:
            st = _patched(patchable[a], changed[a], answers[a])
            if st.stamp == stamped[a]:
                out[a] = st
    patched = len(out)
    rest = {a: stamp for a, stamp in stamped.items() if a not in out}
    if rest:
        out.update(load(conn, rest))
    return out, patched


def _patched(st: State, changed: list[tuple[str, Any]], answers: list[NewAnswer]) -> State:
    """``st`` with changed cards and new answers applied, and the stamp that would give."""
    stamp = list(st.stamp)
    dues = dict(st.cards)
    for qid, key in changed:
        old = dues.get(qid)
        if old is None:
            stamp[0] += 1
        else:
            stamp[1] -= _seconds(old)
        stamp[1] += _seconds(key)
        dues[qid] = key
    accuracy = dict(st.accuracy)
    for rid, _qid, topic, correct, count_at in answers:
        n, c = accuracy.get(topic, (0, 0))
        accuracy[topic] = (n + 1, c + int(correct))
        stamp[count_at] += 1
        stamp[count_at + 1] = max(stamp[count_at + 1] or 0, rid)
    cards = tuple(sorted(dues.items(), key=lambda item: (item[1], item[0]))) if changed else st.cards
    return State(tuple(stamp), cards, frozenset(dues), accuracy)
