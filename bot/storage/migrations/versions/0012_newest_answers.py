"""newest answers: (account, id) indexes, so a member's answers after a known one are a range scan

The practice cache patches a returning member's state with the answers stored since it was read
(``bot.practice.state.refresh``); each member's own bound made that a handful of rows, but with
only the (account, topic) index PostgreSQL still fetched every answer of the member to filter.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_practice_account_newest", "practice_answers", ["account_id", "id"])
    op.create_index("ix_answers_account_newest", "answers", ["account_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_answers_account_newest", table_name="answers")
    op.drop_index("ix_practice_account_newest", table_name="practice_answers")
