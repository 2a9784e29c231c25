"""Writing the boards: running totals per member and period, and the points histogram.

``scores`` holds each member's totals per board; ``score_buckets`` counts the
members at each points value, so a rank is a sum over a few buckets instead of
a count over every member.  Both move in the same transaction as the answers.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, delete, func, select, update
from sqlalchemy.sql.expression import Executable

from bot.storage.bulk import Bulk
from bot.storage.models import Score, ScoreBucket
from bot.storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class Entry:
    community_id: int
    period: str
    account_id: int
    points: int
    correct: bool
    when: datetime


def _score_upsert(dialect: str) -> Executable:
    t = Score.__table__
    stmt = insert_for(dialect, t)
    ex = stmt.excluded
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[t.c.community_id, t.c.period, t.c.account_id],
        set_={"points": t.c.points + ex.points, "answered": t.c.answered + 1,
              "correct": t.c.correct + ex.correct,
              # A wrong answer does not move the moment the member reached their points.
              "reached_at": case((ex.points > 0, ex.reached_at), else_=t.c.reached_at)})


_SCORE_UPSERT = Bulk(_score_upsert)


@functools.cache
def _bucket_upsert(dialect: str) -> Executable:
    t = ScoreBucket.__table__
    stmt = insert_for(dialect, t)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[t.c.community_id, t.c.period, t.c.points],
        set_={"members": t.c.members + stmt.excluded.members})


def _apply_buckets(conn: Connection, deltas: Counter[tuple[int, str, int]]) -> None:
    rows = [{"community_id": c, "period": p, "points": pts, "members": n}
            for (c, p, pts), n in sorted(deltas.items()) if n]  # sorted: one lock order for everyone
    if rows:
        conn.execute(_bucket_upsert(conn.dialect.name), rows)


def record(conn: Connection, entries: list[Entry]) -> None:
    """Add graded answers to the boards (totals and histogram)."""
    if not entries:
        return
    # Current points of everyone touched, locked on PostgreSQL so the histogram moves consistently.
    current: dict[tuple[int, str, int], int] = {
        (c, p, a): pts for c, p, a, pts in conn.execute(
            select(Score.community_id, Score.period, Score.account_id, Score.points)
            .where(Score.community_id.in_(sorted({e.community_id for e in entries})),
                   Score.period.in_(sorted({e.period for e in entries})),
                   Score.account_id.in_(sorted({e.account_id for e in entries})))
            .with_for_update())}
    deltas: Counter[tuple[int, str, int]] = Counter()
    for e in entries:
        key = (e.community_id, e.period, e.account_id)
        old = current.get(key)
        new = (old or 0) + e.points
        if old is not None:
            deltas[(e.community_id, e.period, old)] -= 1
        deltas[(e.community_id, e.period, new)] += 1
        current[key] = new
    _SCORE_UPSERT.execute(conn, [
        {"community_id": e.community_id, "period": e.period, "account_id": e.account_id, "points": e.points,
         "answered": 1, "correct": int(e.correct), "reached_at": e.when} for e in entries])
    _apply_buckets(conn, deltas)


def regrade(conn: Connection, *, community_id: int, account_id: int, periods: Sequence[str], points: int,
            when: datetime) -> None:
    """A wrong answer granted as correct: its points and its 'correct' join the boards it already counts on."""
    current = {p: pts for p, pts in conn.execute(
        select(Score.period, Score.points).where(Score.community_id == community_id, Score.account_id == account_id,
                                                 Score.period.in_(sorted(periods))).with_for_update())}
    deltas: Counter[tuple[int, str, int]] = Counter()
    for period, old in current.items():
        deltas[(community_id, period, old)] -= 1
        deltas[(community_id, period, old + points)] += 1
    values: dict[str, object] = {"points": Score.points + points, "correct": Score.correct + 1}
    if points > 0:  # reached those points now, for ties
        values["reached_at"] = when
    conn.execute(update(Score).where(Score.community_id == community_id, Score.account_id == account_id,
                                     Score.period.in_(sorted(current))).values(values))
    _apply_buckets(conn, deltas)


def forget(conn: Connection, account_id: int) -> None:
    """Take a member off every board."""
    deltas: Counter[tuple[int, str, int]] = Counter()
    for c, p, pts in conn.execute(select(Score.community_id, Score.period, Score.points)
                                  .where(Score.account_id == account_id).with_for_update()):
        deltas[(c, p, pts)] -= 1
    _apply_buckets(conn, deltas)
    conn.execute(delete(Score).where(Score.account_id == account_id))


def members_above(conn: Connection, community_id: int, period: str, points: int) -> int:
    """How many members of a board have more than ``points``."""
    return int(conn.execute(select(func.coalesce(func.sum(ScoreBucket.members), 0)).where(
        ScoreBucket.community_id == community_id, ScoreBucket.period == period,
        ScoreBucket.points > points)).scalar_one())
