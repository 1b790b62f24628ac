"""Outcomes: the assessment-id signing key, feedback on answers, shown counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_id_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_id_key")),
    )
    op.create_table(
        "outcome_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("causes_json", sa.Text(), nullable=False),
        sa.Column("tips_json", sa.Text(), nullable=False),
        sa.Column("tips_followed_json", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_feedback")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_outcome_feedback_assessment_id")),
    )
    op.create_index(op.f("ix_outcome_feedback_version"), "outcome_feedback", ["version"])
    op.create_table(
        "outcome_shown",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("shown", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("version", "kind", "item_id", name=op.f("pk_outcome_shown")),
    )


def downgrade() -> None:
    op.drop_table("outcome_shown")
    op.drop_index(op.f("ix_outcome_feedback_version"), table_name="outcome_feedback")
    op.drop_table("outcome_feedback")
    op.drop_table("assessment_id_key")
