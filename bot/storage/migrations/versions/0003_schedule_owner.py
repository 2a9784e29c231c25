"""schedules: who set them, and why one is paused (the bot lost the channel)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paused_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(batch_op.f("fk_schedules_set_by_accounts"), "accounts", ["set_by"], ["id"],
                                    ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_schedules_set_by_accounts"), type_="foreignkey")
        batch_op.drop_column("paused_reason")
        batch_op.drop_column("set_by")
