"""Tables.  Invariants that matter live here as constraints, not only in code."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_token() -> int:
    """A random account token (62 bits: fits a signed BIGINT on every database)."""
    return secrets.randbits(62)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTC_DT = UTCDateTime()


class Community(Base):
    """A Discord guild, a Slack workspace, or the local console."""

    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Its admins let open answers be sent to the configured grading model ([grading] in bot.toml).
    model_grading: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Points per level set by its admins ("junior=5,mid=10,senior=20"); empty: [scoring] in bot.toml.
    points: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Its admins' rules for live quizzes ("who=admins,channel=1,community=5,cooldown=60"); empty: the defaults.
    live_rules: Mapped[str] = mapped_column(Text, default="", server_default="")
    __table_args__ = (UniqueConstraint("platform", "external_id"),)


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)


class Account(Base):
    """One person on one platform; their learning history hangs off this row."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # The practice state's change counter: every write of the member's cards or answers adds to
    # it in the same transaction (``bot.practice.state.bump``), so a cached state is checked with
    # one primary-key lookup.  The token, drawn at creation, tells a new account from a forgotten
    # one whose id SQLite reused.
    practice_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    practice_token: Mapped[int] = mapped_column(BigInteger, default=new_token, server_default=text("0"))
    __table_args__ = (UniqueConstraint("platform", "external_id"),)


class Schedule(Base):
    """When and what a channel's daily round posts.  One per channel."""

    __tablename__ = "schedules"
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    time_of_day: Mapped[str] = mapped_column(String(5))  # "HH:MM", local
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(40))  # "mon,tue,wed,thu,fri"
    window_minutes: Mapped[int] = mapped_column(Integer)
    packs: Mapped[str] = mapped_column(Text, default="")  # comma-separated filters
    topics: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[str] = mapped_column(Text, default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why it is paused when the bot paused it (it lost the channel); empty when an admin did.
    paused_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The admin who set it, told privately if the bot loses the channel; gone with forget-me.
    set_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTC_DT)
    # A weekly recap on the first scheduled day of each week (admins may turn it off).
    recap: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class Round(Base):
    """One posted question in one channel.  ``slot`` names the scheduled post it fills."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(40))
    question_id: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTC_DT)
    closes_at: Mapped[datetime] = mapped_column(UTC_DT)
    closed_at: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    # pending -> posting (a request was sent) -> posted | failed (retried) | unavailable
    # (lost for good) | missed (the window ended before it was ever posted: closed
    # silently, never revealed).  Posts carry an idempotency key derived from the round,
    # so "posting" or "failed" left behind by a crash is retried without a double post.
    post_state: Mapped[str] = mapped_column(String(12), default="pending")
    message_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    post_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # requests sent
    post_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # tries given up
    # The process posting the round holds it until ``post_lease_until`` (renewed while it
    # works); once that has passed, any process's sweep may claim it and retry.
    post_owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    post_lease_until: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    __table_args__ = (
        UniqueConstraint("channel_id", "slot"),
        # At most one open round per channel, enforced by the database.
        Index("uq_rounds_open_per_channel", "channel_id", unique=True,
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
        Index("ix_rounds_closes_open", "closes_at",
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
    )


class Answer(Base):
    """A member's answer to a daily round.  One per member per round, final once given."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(64))
    choice: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (
        UniqueConstraint("round_id", "account_id"),
        Index("ix_answers_account", "account_id"),
        Index("ix_answers_account_newest", "account_id", "id"),  # a member's answers after one (practice cache)
    )


class PracticeAnswer(Base):
    """A private practice attempt: feeds spaced repetition and stats, never the leaderboard."""

    __tablename__ = "practice_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64))
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTC_DT)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # an open answer, for "I was right"
    __table_args__ = (Index("ix_practice_account", "account_id", "topic"),
                      Index("ix_practice_account_newest", "account_id", "id"))  # after one (practice cache)


class Card(Base):
    """FSRS memory state of one question for one account."""

    __tablename__ = "cards"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    due: Mapped[datetime] = mapped_column(UTC_DT)
    state: Mapped[str] = mapped_column(Text)  # fsrs Card.to_json()
    # The state before the last review and when it happened: a member's own rating replaces the grader's.
    previous: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    __table_args__ = (Index("ix_cards_account_due", "account_id", "due"), {"sqlite_with_rowid": False})


class Score(Base):
    """Running totals per community, member and period ('all', 'w2026-47', 'm2026-11').

    Kept in step with ``answers`` in the same transaction, so boards are an
    index range scan instead of an aggregate over every answer.
    """

    __tablename__ = "scores"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    # When the member reached their current points: earlier wins a tie.
    reached_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (
        Index("ix_scores_board", "community_id", "period", text("points DESC"), "reached_at", "account_id"),
        # On SQLite the rows live in the primary-key b-tree: one fewer b-tree to write per answer.
        {"sqlite_with_rowid": False},
    )


class ScoreBucket(Base):
    """How many members of a board have exactly ``points``: ranks without counting every row."""

    __tablename__ = "score_buckets"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = ({"sqlite_with_rowid": False},)


class Streak(Base):
    __tablename__ = "streaks"
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    best: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_streaks_account", "account_id"),)


class Report(Base):
    """A member's report that a question is wrong or unclear, kept for maintainers."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True)
    question_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    # "question": something is wrong with it; "overrule": a member says the grader was wrong in
    # practice; "dispute": a member asks the community's admins to regrade a daily answer.
    kind: Mapped[str] = mapped_column(String(16), default="question", server_default="question")
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), nullable=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), nullable=True)
    # open, then fixed (a question or the grader was mended), granted or declined (a dispute).
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)


class Welcome(Base):
    """A welcome the bot said once: in a server or channel it joined, or a member's first App Home visit."""

    __tablename__ = "welcomes"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    target: Mapped[str] = mapped_column(String(200), primary_key=True)  # "guild:<id>", "home:<team>/<user>"
    created_at: Mapped[datetime] = mapped_column(UTC_DT)


class ProcessedEvent(Base):
    """Platform deliveries already handled (interaction ids, Slack retries): each counts once."""

    __tablename__ = "processed_events"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (Index("ix_processed_events_created", "created_at"),)


class Delivery(Base):
    """A message the bot sends on its own (a weekly recap, a reminder): claimed once, by any process.

    ``key`` names what is sent and for when ("recap:12:2026-11-23"); the row is inserted
    before the message goes out, so a restart or a second process never sends it again.
    A claim whose process died (its lease passed while still ``sending``) may be taken over.
    """

    __tablename__ = "deliveries"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    state: Mapped[str] = mapped_column(String(12))  # sending -> sent | failed (retried) | skipped
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (Index("ix_deliveries_created", "created_at"),)


class Reminder(Base):
    """A member's reminders in one community, off until they opt in."""

    __tablename__ = "reminders"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    reviews_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)  # local hour; None: off
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    closing: Mapped[bool] = mapped_column(Boolean, default=False)  # "the daily question closes in 1 h"
    updated_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (Index("ix_reminders_community", "community_id"),)


class LiveSession(Base):
    """A multi-question session (a live group quiz or a mock interview) and where it stands.

    ``state``: lobby -> open (question ``current`` takes answers) -> revealed -> open ... ->
    finished | stopped.  ``deadline`` is when the current step ends; any process's tick advances
    a session whose deadline has passed, guarded by ``step`` (compare-and-set) and a lease.
    """

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # "live" | "interview"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), nullable=True)
    thread_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the lobby message / thread
    starter_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True)
    count: Mapped[int] = mapped_column(Integer)
    topics: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[int] = mapped_column(Integer)  # per question
    state: Mapped[str] = mapped_column(String(12))
    current: Mapped[int] = mapped_column(Integer, default=-1)  # -1: in the lobby
    step: Mapped[int] = mapped_column(Integer, default=0)  # +1 at every transition
    step_started: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTC_DT)
    ended_at: Mapped[datetime | None] = mapped_column(UTC_DT, nullable=True)
    __table_args__ = (
        Index("ix_sessions_due", "deadline", sqlite_where=text("ended_at IS NULL"),
              postgresql_where=text("ended_at IS NULL")),
        Index("ix_sessions_channel", "channel_id", "created_at"),
        Index("ix_sessions_community", "community_id", "created_at"),
    )


class SessionQuestion(Base):
    """The questions a session planned, in order."""

    __tablename__ = "session_questions"
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64))


class SessionPlayer(Base):
    """Who joined a session."""

    __tablename__ = "session_players"
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (Index("ix_session_players_account", "account_id"),)


class SessionAnswer(Base):
    """One player's answer to one question of a session: final once given."""

    __tablename__ = "session_answers"
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    choice: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTC_DT)
    __table_args__ = (Index("ix_session_answers_account", "account_id"),)
