"""Outcome sources: each independent source's latest outcome per version, and their tallies.

The automatic abort of a canary counts each source once per version (README, "Staged
rollout"). Feedback stored before this revision has no source, so the tallies start empty:
only feedback from now on counts toward an automatic abort.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_source",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", "source", name=op.f("pk_outcome_source")),
    )
    op.create_table(
        "outcome_source_tally",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("better", sa.Integer(), nullable=False),
        sa.Column("same", sa.Integer(), nullable=False),
        sa.Column("worse", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_outcome_source_tally")),
    )


def downgrade() -> None:
    op.drop_table("outcome_source_tally")
    op.drop_table("outcome_source")
