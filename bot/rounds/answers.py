"""Storing daily answers, many at a time.

Answers that arrive together are written together (see
``bot.storage.batch.GroupCommit``): one query reads the rounds, one the
answers already given, one the spaced-repetition cards; then one statement
each inserts the answers, moves the boards and updates the cards.  Every
refusal (closed round, bad option, second answer) is decided before anything
is written, so it concerns only the member it was meant for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import wording
from bot.boards import scoreboard
from bot.boards.points import period_keys, points_for
from bot.config import ScoringSection
from bot.content import Library, LoadedQuestion
from bot.errors import AlreadyAnswered, DrillError, NotFound, RoundClosed
from bot.grading import Grade
from bot.practice import cards
from bot.storage.bulk import Bulk
from bot.storage.models import Answer, Card, Round


@dataclass(frozen=True, slots=True)
class DailyAnswer:
    """An answer already graded (off the database thread) and ready to store."""

    round_id: int
    question_id: str
    account_id: int
    community_id: int
    timezone: str
    grade: Grade
    text: str | None
    now: datetime


@dataclass(frozen=True, slots=True)
class Stored:
    question: LoadedQuestion
    grade: Grade
    points: int
    next_review: datetime


# The table, not the mapped class, and SQLAlchemy's per-row work skipped (see bot.storage.bulk).
_INSERT_ANSWER = Bulk(lambda _dialect: insert(cast(Table, Answer.__table__)))


def store_answers(s: Session, items: list[DailyAnswer], *, library: Library,
                  scoring: ScoringSection) -> list[Stored | DrillError]:
    """Grade and store daily answers in the session's transaction; one result per item, in order."""
    conn = s.connection()
    round_ids = sorted({a.round_id for a in items})
    # FOR SHARE on PostgreSQL: a concurrent close waits until these answers are in.
    rounds = {r.id: r for r in conn.execute(
        select(Round.id, Round.question_id, Round.closes_at, Round.closed_at)
        .where(Round.id.in_(round_ids)).with_for_update(read=True))}
    taken: set[tuple[int, int]] = {(r, a) for r, a in conn.execute(
        select(Answer.round_id, Answer.account_id)
        .where(Answer.round_id.in_(round_ids), Answer.account_id.in_(sorted({a.account_id for a in items}))))}

    results: list[tuple[LoadedQuestion, Grade, int] | DrillError] = []
    answer_rows: list[dict[str, Any]] = []
    score_rows: list[scoreboard.Entry] = []
    reviews: list[cards.Review] = []
    for a in items:
        try:
            question, g = _check(a, rounds.get(a.round_id), taken, library)
        except DrillError as exc:
            results.append(exc)
            continue
        taken.add((a.round_id, a.account_id))
        pts = points_for(question.q.level, g.correct, scoring)
        answer_rows.append({"round_id": a.round_id, "account_id": a.account_id, "community_id": a.community_id,
                            "topic": question.topic, "choice": g.choice, "text": a.text or None,
                            "correct": g.correct, "points": pts, "answered_at": a.now})
        score_rows += [scoreboard.Entry(a.community_id, key, a.account_id, pts, g.correct, a.now)
                       for key in period_keys(a.now, a.timezone)]
        reviews.append(cards.Review(a.account_id, question.id, g.correct, a.now))
        results.append((question, g, pts))
    if answer_rows:
        try:
            _INSERT_ANSWER.execute(conn, answer_rows)
        except IntegrityError:
            # Another process stored one of these first.  The batch is replayed one answer
            # at a time (each in a savepoint), and there the loser learns it was too late.
            if len(items) == 1:
                raise AlreadyAnswered(wording.ALREADY_ANSWERED) from None
            raise
        scoreboard.record(conn, score_rows)
    dues = iter(cards.review_many(s, reviews))
    return [r if isinstance(r, DrillError) else Stored(r[0], r[1], r[2], next(dues)) for r in results]


def _check(a: DailyAnswer, row: Any, taken: set[tuple[int, int]],
           library: Library) -> tuple[LoadedQuestion, Grade]:
    if row is None:
        raise NotFound(wording.NO_ROUND)
    if row.closed_at is not None or a.now >= row.closes_at:
        raise RoundClosed(wording.ROUND_CLOSED)
    question = library.get(row.question_id)
    if question is None:
        raise NotFound(wording.QUESTION_GONE)
    if question.id != a.question_id:
        raise NotFound(wording.ROUND_OTHER_QUESTION)
    if (a.round_id, a.account_id) in taken:
        raise AlreadyAnswered(wording.ALREADY_ANSWERED)
    return question, a.grade


@dataclass(frozen=True, slots=True)
class Given:
    """An answer already stored (to show its feedback again when its first reply was lost)."""

    choice: int | None
    text: str | None
    points: int
    next_review: datetime | None


def given(s: Session, round_id: int, account_id: int, question_id: str) -> Given | None:
    """The member's stored answer to a round, with when its question is due for review."""
    row = s.execute(select(Answer.choice, Answer.text, Answer.points)
                    .where(Answer.round_id == round_id, Answer.account_id == account_id)).first()
    if row is None:
        return None
    due = s.execute(select(Card.due).where(Card.account_id == account_id, Card.question_id == question_id)
                    ).scalar_one_or_none()
    return Given(row.choice, row.text, row.points, due)
