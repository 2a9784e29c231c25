"""weekly recaps, reminders and per-community points: deliveries claimed once, opt-ins

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recap", sa.Boolean(), nullable=False, server_default=sa.text("true")))
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "deliveries",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_deliveries")),
    )
    op.create_index("ix_deliveries_created", "deliveries", ["created_at"], unique=False)
    op.create_table(
        "reminders",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("reviews_hour", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("closing", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_reminders_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_reminders_community_id_communities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "community_id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_community", "reminders", ["community_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reminders_community", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("points")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("recap")
