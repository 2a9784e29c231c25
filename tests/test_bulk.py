"""Bulk statements store exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.bulk import Bulk
from bot.storage.db import Database
from bot.storage.models import Account, Card, Score
from bot.storage.upsert import insert_for


def _accounts(db: Database, n: int) -> list[int]:
    with db.engine.begin() as conn:
        conn.execute(insert_for(db.engine.dialect.name, Account.__table__),
                     [{"platform": "console", "external_id": f"u{i}", "display_name": f"U{i}"} for i in range(n)])
        return list(conn.execute(select(Account.id).order_by(Account.id)).scalars())


def _cards(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Card.account_id, Card.question_id, Card.due, Card.state).order_by(Card.account_id))]


def test_rows_match_sqlalchemys_executemany(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    try:
        ids = _accounts(db, 6)
        when = datetime(2026, 11, 21, 9, 30, 15, 123456, tzinfo=UTC)
        rows = [{"account_id": a, "question_id": f"q-{a}", "due": when + timedelta(hours=i),
                 "state": f'{{"n": {i}, "note": "é%s"}}'} for i, a in enumerate(ids)]
        bulk = Bulk(lambda _dialect: Card.__table__.insert())
        with db.engine.begin() as conn:
            bulk.execute(conn, rows[:3])
            conn.execute(Card.__table__.insert(), rows[3:])
        stored = _cards(db)
        assert [r[2] for r in stored] == [when + timedelta(hours=i) for i in range(6)]  # aware UTC, microseconds
        assert [r[3] for r in stored] == [f'{{"n": {i}, "note": "é%s"}}' for i in range(6)]  # % kept as is
        assert [r[1] for r in stored] == [f"q-{a}" for a in ids]
    finally:
        db.close()


def test_an_upsert_with_literals_in_its_update_clause(db_url: str) -> None:
    """The board's upsert: ``excluded`` columns and a literal (``points > 0``) in the SET clause."""
    from bot.boards.scoreboard import _SCORE_UPSERT

    db = Database(db_url)
    db.upgrade()
    try:
        from bot.storage.models import Community

        with db.engine.begin() as conn:
            cid = conn.execute(insert_for(db.engine.dialect.name, Community.__table__).returning(Community.id),
                               {"platform": "console", "external_id": "c", "timezone": "UTC", "name": ""}).scalar()
        [a] = _accounts(db, 1)
        t0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

        def row(points: int, minutes: int) -> dict[str, Any]:
            return {"community_id": cid, "period": "all", "account_id": a, "points": points, "answered": 1,
                    "correct": int(points > 0), "reached_at": t0 + timedelta(minutes=minutes)}
        for points, minutes in ((10, 0), (0, 5), (20, 9)):
            with db.engine.begin() as conn:
                _SCORE_UPSERT.execute(conn, [row(points, minutes)])
        with db.engine.connect() as conn:
            score = conn.execute(select(Score.points, Score.answered, Score.correct, Score.reached_at)).one()
        # A wrong answer (0 points) does not move reached_at; a right one does.
        assert tuple(score) == (30, 3, 2, t0 + timedelta(minutes=9))
    finally:
        db.close()


def test_rows_with_different_columns_are_refused(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    try:
        [a, b] = _accounts(db, 2)
        bulk = Bulk(lambda _dialect: Card.__table__.insert())
        due = datetime(2026, 11, 21, tzinfo=UTC)
        with pytest.raises(ValueError, match="bulk rows differ in their columns"), db.engine.begin() as conn:
            bulk.execute(conn, [{"account_id": a, "question_id": "q", "due": due, "state": "{}"},
                                {"account_id": b, "question_id": "q", "due": due}])
        assert _cards(db) == []  # nothing half-written
    finally:
        db.close()
