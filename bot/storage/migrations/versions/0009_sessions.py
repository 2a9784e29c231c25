"""sessions: live group quizzes and mock interviews, their questions, players and answers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("thread_ref", sa.String(length=200), nullable=True),
        sa.Column("starter_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("levels", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("step_started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name=op.f("fk_sessions_channel_id_channels"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_sessions_community_id_communities"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["starter_id"], ["accounts.id"], name=op.f("fk_sessions_starter_id_accounts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_due", "sessions", ["deadline"], unique=False,
                    sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"))
    op.create_index("ix_sessions_channel", "sessions", ["channel_id", "created_at"], unique=False)
    op.create_index("ix_sessions_community", "sessions", ["community_id", "created_at"], unique=False)
    op.create_table(
        "session_questions",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_session_questions_session_id_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "position", name=op.f("pk_session_questions")),
    )
    op.create_table(
        "session_players",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_session_players_account_id_accounts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_session_players_session_id_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "account_id", name=op.f("pk_session_players")),
    )
    op.create_index("ix_session_players_account", "session_players", ["account_id"], unique=False)
    op.create_table(
        "session_answers",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_session_answers_account_id_accounts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_session_answers_session_id_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "position", "account_id", name=op.f("pk_session_answers")),
    )
    op.create_index("ix_session_answers_account", "session_answers", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_session_answers_account", table_name="session_answers")
    op.drop_table("session_answers")
    op.drop_index("ix_session_players_account", table_name="session_players")
    op.drop_table("session_players")
    op.drop_table("session_questions")
    op.drop_index("ix_sessions_community", table_name="sessions")
    op.drop_index("ix_sessions_channel", table_name="sessions")
    op.drop_index("ix_sessions_due", table_name="sessions")
    op.drop_table("sessions")
