"""rounds: post attempts and leases, so any process can retry a stale post

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("post_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("post_owner", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("post_lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("post_lease_until")
        batch_op.drop_column("post_owner")
        batch_op.drop_column("post_failures")
        batch_op.drop_column("post_attempts")
