"""self-ratings, overrules and disputes: a card remembers its state before the last review;
practice answers keep their text; reports have a kind, a status and the answer they are about

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("practice_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="question"))
        batch_op.add_column(sa.Column("answer_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("answer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("community_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="open"))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_reports_answer_id_answers"), "answers", ["answer_id"], ["id"],
                                    ondelete="CASCADE")
        batch_op.create_foreign_key(batch_op.f("fk_reports_community_id_communities"), "communities",
                                    ["community_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_community_id_communities"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_reports_answer_id_answers"), type_="foreignkey")
        for col in ("resolved_at", "status", "community_id", "answer_id", "answer_text", "kind"):
            batch_op.drop_column(col)
    with op.batch_alter_table("practice_answers", schema=None) as batch_op:
        batch_op.drop_column("text")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("previous")
