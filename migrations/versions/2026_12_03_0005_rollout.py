"""Staged rollout: the canary version and its share live on the current pointer.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("content_pointer") as batch:
        batch.add_column(sa.Column("canary_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rollout_percent", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("rollout_started_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_content_pointer_canary_version_content_version"),
            "content_version",
            ["canary_version"],
            ["version"],
        )


def downgrade() -> None:
    with op.batch_alter_table("content_pointer") as batch:
        batch.drop_constraint(
            op.f("fk_content_pointer_canary_version_content_version"), type_="foreignkey"
        )
        batch.drop_column("rollout_started_at")
        batch.drop_column("rollout_percent")
        batch.drop_column("canary_version")
