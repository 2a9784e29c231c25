"""Storing daily answers, many at a time.

Answers that arrive together are written together (see
``bot.storage.batch.GroupCommit``): one query reads the rounds, one the
answers already given, one the spaced-repetition cards; then one statement
each inserts the answers, moves the boards and updates the cards.  Every
refusal (closed round, bad option, second answer, another community's round)
is decided before anything is written, so it concerns only the member it was
meant for.

A round belongs to its channel's community.  An answer counts only when it comes
from that community, or when the adapter says it was given in the round's own
channel (a channel shared between workspaces, as Slack Connect does: the guest
from another workspace is scored on the board of the round's community, where
everyone else in that channel sees it).  A click forged in another community, or
from a direct message, is refused.
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
from bot.boards.points import community_points, period_keys
from bot.config import PracticeSection, ScoringSection
from bot.content import Library, LoadedQuestion
from bot.errors import AlreadyAnswered, DrillError, NotAllowed, NotFound, RoundClosed
from bot.grading import Grade
from bot.practice import cards
from bot.storage.bulk import Bulk
from bot.storage.models import Answer, Card, Channel, Community, Round


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
    # Where the answer was given, as the platform reports it (None: the adapter cannot tell).
    platform: str = ""
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    question: LoadedQuestion
    grade: Grade
    points: int
    next_review: datetime


# The table, not the mapped class, and SQLAlchemy's per-row work skipped (see bot.storage.bulk).
_INSERT_ANSWER = Bulk(lambda _dialect: insert(cast(Table, Answer.__table__)))


def store_answers(s: Session, items: list[DailyAnswer], *, library: Library, scoring: ScoringSection,
                  practice: PracticeSection) -> list[Stored | DrillError]:
    """Grade and store daily answers in the session's transaction; one result per item, in order."""
    conn = s.connection()
    round_ids = sorted({a.round_id for a in items})
    # FOR SHARE on PostgreSQL: a concurrent close waits until these answers are in.
    rounds = {r.id: r for r in conn.execute(
        select(Round.id, Round.question_id, Round.closes_at, Round.closed_at, Channel.community_id,
               Channel.external_id.label("channel"), Community.platform, Community.timezone,
               Community.points)
        .join(Channel, Channel.id == Round.channel_id).join(Community, Community.id == Channel.community_id)
        .where(Round.id.in_(round_ids)).with_for_update(read=True, of=Round))}
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
        row = rounds[a.round_id]
        # Scored where the round lives (the same as the member's own community but for a shared channel).
        community_id, timezone = row.community_id, row.timezone
        pts = community_points(question.q.level, g.correct, row.points, scoring)
        answer_rows.append({"round_id": a.round_id, "account_id": a.account_id, "community_id": community_id,
                            "topic": question.topic, "choice": g.choice, "text": a.text or None,
                            "correct": g.correct, "points": pts, "answered_at": a.now})
        score_rows += [scoreboard.Entry(community_id, key, a.account_id, pts, g.correct, a.now)
                       for key in period_keys(a.now, timezone)]
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
    dues = iter(cards.review_many(s, reviews, cards.scheduler_for(practice)))
    return [r if isinstance(r, DrillError) else Stored(r[0], r[1], r[2], next(dues)) for r in results]


def _check(a: DailyAnswer, row: Any, taken: set[tuple[int, int]],
           library: Library) -> tuple[LoadedQuestion, Grade]:
    if row is None:
        raise NotFound(wording.NO_ROUND)
    if not _same_community(a, row):
        raise NotAllowed(wording.ROUND_OTHER_COMMUNITY)
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


def _same_community(a: DailyAnswer, row: Any) -> bool:
    """The answer comes from the round's community, or was given in the round's own channel."""
    if a.community_id == row.community_id:
        return True
    return a.channel is not None and a.platform == row.platform and a.channel == row.channel


@dataclass(frozen=True, slots=True)
class Given:
    """An answer already stored (to show its feedback again when its first reply was lost)."""

    choice: int | None
    text: str | None
    points: int
    next_review: datetime | None
    correct: bool


def given(s: Session, round_id: int, account_id: int, question_id: str) -> Given | None:
    """The member's stored answer to a round, with when its question is due for review."""
    row = s.execute(select(Answer.choice, Answer.text, Answer.points, Answer.correct)
                    .where(Answer.round_id == round_id, Answer.account_id == account_id)).first()
    if row is None:
        return None
    due = s.execute(select(Card.due).where(Card.account_id == account_id, Card.question_id == question_id)
                    ).scalar_one_or_none()
    return Given(row.choice, row.text, row.points, due, row.correct)
