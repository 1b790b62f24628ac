"""The fingerprint of the key the servers seal webhook secrets with, and per subscription.

`webhook_key_fingerprint` holds what the last server to start seals with, so the CLI can
refuse to seal with another key; each subscription keeps the fingerprint of its sealing key
and why it is failing (`failure_reason`), so one that cannot be unsealed shows as failing.
Subscriptions made before this revision have no fingerprint: the worker finds them out at
their first delivery.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_key_fingerprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_key_fingerprint")),
    )
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.add_column(sa.Column("key_fingerprint", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscription") as batch:
        batch.drop_column("failure_reason")
        batch.drop_column("key_fingerprint")
    op.drop_table("webhook_key_fingerprint")
