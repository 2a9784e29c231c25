"""live_rules: a community's own rules for live quizzes (who may start, how many, a cool-down)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(sa.Column("live_rules", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("live_rules")
