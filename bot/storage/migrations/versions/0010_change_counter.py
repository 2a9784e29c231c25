"""change counter: accounts.practice_version, bumped by every write of practice state, and
accounts.practice_token, drawn at random when the account is created

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("practice_version", sa.Integer(), nullable=False, server_default="0"))
        # Existing rows share 0: they are distinct accounts, and an id reused later gets a random token.
        batch.add_column(sa.Column("practice_token", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("practice_token")
        batch.drop_column("practice_version")
