"""Tables of the webhooks: subscriptions, the outbox of events, deliveries and their tries.

An event row is written in the transaction of the change it tells about (the outbox), with
one delivery per listening subscription; the worker only ever moves deliveries forward, so a
process killed at any moment loses nothing that was committed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.core.models import utcnow


class SubscriptionStatus(StrEnum):
    active = "active"
    failing = "failing"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookSubscription(SQLModel, table=True):
    """A receiver; deleting one sets `deleted_at`, so its deliveries stay inspectable."""

    __tablename__ = "webhook_subscription"

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    url: str = Field(sa_column=Column(Text, nullable=False))
    events: str = Field(sa_column=Column(String(256), nullable=False))  # comma-separated
    secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    status: SubscriptionStatus = Field(sa_column=Column(String(16), nullable=False))
    failing_since: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    created_by: str = Field(sa_column=Column(String(128), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # The fingerprint of the key that sealed the secret (null: sealed before it was kept).
    key_fingerprint: str | None = Field(default=None, sa_column=Column(String(16)))
    failure_reason: str | None = Field(default=None, sa_column=Column(Text))


class WebhookEvent(SQLModel, table=True):
    """The outbox: `id` is the Standard Webhooks message id, `payload` the exact body sent."""

    __tablename__ = "webhook_event"

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    type: str = Field(sa_column=Column(String(64), nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(
        sa_column=Column(
            String(40), ForeignKey("webhook_subscription.id"), nullable=False, index=True
        )
    )
    event_id: str = Field(
        sa_column=Column(String(40), ForeignKey("webhook_event.id"), nullable=False, index=True)
    )
    status: DeliveryStatus = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    next_attempt_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    last_status: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class WebhookAttempt(SQLModel, table=True):
    """One try of a delivery: an HTTP status, or the error that stopped it."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_delivery.id"), nullable=False, index=True)
    )
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    error: str | None = Field(default=None, sa_column=Column(Text))
    duration_ms: int = Field(sa_column=Column(Integer, nullable=False))


class WorkerLease(SQLModel, table=True):
    """Who may run a singleton job (the webhook sender) until when; taken with one UPDATE."""

    __tablename__ = "worker_lease"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    holder: str = Field(sa_column=Column(String(128), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WebhookSealingKey(SQLModel, table=True):
    """The one row holding the key that seals webhook secrets when WEBHOOK_SECRET_KEY is
    unset: made once, read by every process. Convenient, but whoever reads the database can
    then unseal the secrets too; production sets WEBHOOK_SECRET_KEY (README, "Webhooks")."""

    __tablename__ = "webhook_sealing_key"

    id: int = Field(default=1, primary_key=True)
    key: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class WebhookKeyFingerprint(SQLModel, table=True):
    """The one row naming the key the servers seal webhook secrets with (its fingerprint,
    never the key), written by each server as it starts: the CLI compares its own key with it
    and refuses to seal a secret no server could unseal."""

    __tablename__ = "webhook_key_fingerprint"

    id: int = Field(default=1, primary_key=True)
    fingerprint: str = Field(sa_column=Column(String(16), nullable=False))
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    recorded_by: str = Field(sa_column=Column(String(128), nullable=False))
