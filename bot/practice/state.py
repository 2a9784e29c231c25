"""What ``choose`` needs to know about a member, kept in memory between questions.

A member's state (their cards by due date, the questions they have seen, their accuracy
per topic) is read from the database once and kept here.  Every ask checks it with a
*stamp*: the account's ``practice_token`` (drawn at random when the account is created, so a
forgotten account's id reused by SQLite does not match) and ``practice_version``, a counter
that every write of the member's cards or answers adds to in the same transaction (``bump``):
one primary-key lookup per member, one query for the whole batch.

A review adds one per review (it comes with its answer row: ``cards.review_many``); any other
write (a re-rating, a regraded answer) adds one too.  So a state whose version is behind by
exactly the number of answers stored since can be patched with those answers and the cards
they name (``refresh``); anything else (a re-rating, forget-me, a write landing while we read)
and it is read again in full.  A stale entry costs an extra query, never a wrong question;
reviews are always read and written in the database (``cards.review_many``), never from here.
"""

from __future__ import annotations

import bisect
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
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
    update,
)

from bot.storage.keyed import select_keyed
from bot.storage.models import Account, Answer, Card, PracticeAnswer

Stamp = tuple[int, int]  # (the account's practice_token, its practice_version)


@dataclass(frozen=True, slots=True)
class State:
    """One member's practice state as of ``stamp``."""

    stamp: Stamp
    newest: tuple[int, int]  # the newest practice and daily answer ids read into it (0: none)
    cards: tuple[tuple[str, Any], ...]  # (question id, due as ``due_key`` gives it), soonest first
    seen: frozenset[str]
    accuracy: dict[str, tuple[int, int]]  # topic -> (answered, correct), daily and practice answers


# The stamp of an account id with no row (forgotten): never equal to a real account's.
MISSING: Stamp = (-1, -1)


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


_VERSIONS = select(Account.id, Account.practice_token, Account.practice_version).where(Account.id.in_(_IDS))
_BUMP = (update(Account).where(Account.id == bindparam("b_id"))
         .values(practice_version=Account.practice_version + bindparam("b_n")))


def bump(conn: Connection, account_ids: Iterable[int]) -> None:
    """Add one to each account's practice version per time it is named; in the writer's transaction.

    ``UPDATE ... SET v = v + n`` is atomic across processes; accounts are updated in id order
    so that two transactions bumping the same members cannot deadlock on each other."""
    counts = Counter(account_ids)
    if counts:
        conn.execute(_BUMP, [{"b_id": a, "b_n": n} for a, n in sorted(counts.items())])


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


_both = union_all(
    select(Answer.account_id, Answer.topic, Answer.correct).where(Answer.account_id.in_(_IDS)),
    select(PracticeAnswer.account_id, PracticeAnswer.topic, PracticeAnswer.correct)
    .where(PracticeAnswer.account_id.in_(_IDS)),
).subquery()
_ACCURACY = (select(_both.c.account_id, _both.c.topic, func.count(),
                    func.sum(case((_both.c.correct, literal_column("1")), else_=literal_column("0"))))
             .group_by(_both.c.account_id, _both.c.topic))


def stamps(conn: Connection, account_ids: list[int]) -> dict[int, Stamp]:
    """The current stamp of each account (``MISSING`` for an id with no account)."""
    found = {a: (t, v) for a, t, v in conn.execute(_VERSIONS, {"ids": account_ids})}
    return {a: found.get(a, MISSING) for a in account_ids}


_NEWEST = (select(PracticeAnswer.account_id, func.max(PracticeAnswer.id))
           .where(PracticeAnswer.account_id.in_(_IDS)).group_by(PracticeAnswer.account_id))
_NEWEST_DAILY = (select(Answer.account_id, func.max(Answer.id))
                 .where(Answer.account_id.in_(_IDS)).group_by(Answer.account_id))


def load(conn: Connection, stamped: dict[int, Stamp]) -> dict[int, State]:
    """Read the states of the accounts in ``stamped`` (at most four queries for all of them).

    The stamps must have been read before this: a write landing in between then makes the
    stored stamp older than the state, which costs one more read later, never a stale state.
    """
    # Even an account no writer has bumped yet is read: rows written without a bump (a seed
    # script, a process from before revision 0010) are then still seen once.
    ids = sorted(stamped)
    params = {"ids": ids}
    cards: dict[int, list[tuple[str, Any]]] = {a: [] for a in ids}
    for a, qid, due in conn.execute(_CARDS if conn.dialect.name == "sqlite" else _CARDS_PG, params):
        cards[a].append((sys.intern(qid), due))
    newest_p = {a: int(n) for a, n in conn.execute(_NEWEST, params)}
    newest_d = {a: int(n) for a, n in conn.execute(_NEWEST_DAILY, params)}
    accuracy: dict[int, dict[str, tuple[int, int]]] = {a: {} for a in ids}
    if newest_p or newest_d:  # someone has answers
        for a, topic, n, c in conn.execute(_ACCURACY, params):
            accuracy[a][topic] = (int(n), int(c or 0))
    return {a: State(stamped[a], (newest_p.get(a, 0), newest_d.get(a, 0)), tuple(cards[a]),
                     frozenset(q for q, _ in cards[a]), accuracy[a]) for a in ids}


# What changed since a cached state: the answers after its newest (they name the cards they
# reviewed), then those cards.  Each member's own newest bounds their rows: one bound for the
# whole batch (the oldest) read every answer of the members after it, tens of thousands of rows
# for a batch of returning members, to keep a handful.


# Keyed lookups (``bot.storage.keyed``): one index search per member (or card), whatever the batch.
_MEMBER_NEWEST = (("a", "BIGINT"), ("n", "BIGINT"))
_SINCE = (
    # practice answers after each member's own newest
    "WITH v(a, n) AS (VALUES {values}) SELECT p.account_id, p.id, p.question_id, p.topic, p.correct "
    "FROM v JOIN practice_answers p ON p.account_id = v.a AND p.id > v.n",
    # daily answers after each member's own newest, with their round's question
    "WITH v(a, n) AS (VALUES {values}) SELECT x.account_id, x.id, r.question_id, x.topic, x.correct "
    "FROM v JOIN answers x ON x.account_id = v.a AND x.id > v.n JOIN rounds r ON r.id = x.round_id",
)
_CARD_KEY = (("a", "BIGINT"), ("q", "VARCHAR(64)"))
_CARD_COLUMNS = {column: "WITH v(a, q) AS (VALUES {values}) SELECT c.account_id, c.question_id, c." + column
                         + " FROM v JOIN cards c ON c.account_id = v.a AND c.question_id = v.q"
                 for column in ("due", "state")}


def cards_by_pair(conn: Connection, column: str, pairs: list[tuple[int, str]]) -> Any:
    """(account id, question id, ``column``) of the cards named by (account, question) ``pairs``,
    as the driver gives it (a due time: SQLite's stored text, PostgreSQL's aware datetime, as
    ``_CARDS`` reads them); ``column`` is ``due`` or ``state``."""
    return select_keyed(conn, _CARD_COLUMNS[column], _CARD_KEY, pairs)

NewAnswer = tuple[int, str, str, bool, int]  # (id, question id, topic, correct, 0: practice, 1: daily)


def refresh(conn: Connection, stamped: dict[int, Stamp], cached: dict[int, State]) -> tuple[dict[int, State], int]:
    """The current states of the accounts in ``stamped`` (their stamps as just read).

    A member with a cached state of the same account (same token) and an older version (say,
    they answered since) gets it patched with only what changed since: their answers after
    its newest, and the cards those answers reviewed.  The patch is kept only if those answers
    account for the whole version difference (each stored answer added one) and the versions,
    read again after the patch's reads, have not moved meanwhile; else (a re-rating, a
    regrade, a write landing while we read) their state is read in full by ``load``.  Also
    returns how many were patched.
    """
    patchable = {a: st for a, st in cached.items()
                 if a in stamped and st.stamp[0] == stamped[a][0] and st.stamp[1] < stamped[a][1]}
    out: dict[int, State] = {}
    if patchable:
        ids = sorted(patchable)
        answers: dict[int, list[NewAnswer]] = {a: [] for a in ids}
        for kind in (0, 1):
            keys = [(a, patchable[a].newest[kind]) for a in ids]
            for a, rid, qid, topic, correct in select_keyed(conn, _SINCE[kind], _MEMBER_NEWEST, keys):
                answers[a].append((rid, qid, topic, bool(correct), kind))
        ids = [a for a in ids if patchable[a].stamp[1] + len(answers[a]) == stamped[a][1]]
        pairs = sorted({(a, qid) for a in ids for _rid, qid, *_ in answers[a]})
        changed: dict[int, list[tuple[str, Any]]] = {a: [] for a in ids}
        if pairs:
            for a, qid, key in cards_by_pair(conn, "due", pairs):
                changed[a].append((sys.intern(qid), key))
        # Under READ COMMITTED each statement sees the latest commits: a write that landed
        # between the stamp and these reads shows as a moved version here.
        again = stamps(conn, ids) if ids else {}
        for a in ids:
            if again[a] == stamped[a]:
                out[a] = _patched(patchable[a], stamped[a], changed[a], answers[a])
    patched = len(out)
    rest = {a: stamp for a, stamp in stamped.items() if a not in out}
    if rest:
        out.update(load(conn, rest))
    return out, patched


def _patched(st: State, stamp: Stamp, changed: list[tuple[str, Any]], answers: list[NewAnswer]) -> State:
    """``st`` with changed cards and new answers applied, as of ``stamp``."""
    accuracy = dict(st.accuracy)
    newest = list(st.newest)
    for rid, _qid, topic, correct, kind in answers:
        n, c = accuracy.get(topic, (0, 0))
        accuracy[topic] = (n + 1, c + int(correct))
        newest[kind] = max(newest[kind], rid)
    if not changed:
        return State(stamp, (newest[0], newest[1]), st.cards, st.seen, accuracy)
    # A handful of cards moved among a few hundred: take them out and put them back in order
    # (a full sort of every card, per member, was most of a returning crowd's patching).
    moved = dict(changed)
    cards = [card for card in st.cards if card[0] not in moved]
    for qid, key in moved.items():
        bisect.insort(cards, (qid, key), key=_by_due)
    return State(stamp, (newest[0], newest[1]), tuple(cards), st.seen.union(moved), accuracy)


def _by_due(card: tuple[str, Any]) -> tuple[Any, str]:
    """The order of ``State.cards``: soonest due first, then by question id."""
    return card[1], card[0]
