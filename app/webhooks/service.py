"""Webhook subscriptions: create (with its secret shown once), list, show, delete, deliveries.

Create and delete are recorded in the audit trail in the same transaction; the caller commits.
"""

from __future__ import annotations

import logging
import os
import uuid

from pydantic import SecretStr
from sqlmodel import Session

from app.audit import service as audit
from app.core.config import WEBHOOK_KEY_BYTES, webhook_key_bytes
from app.core.models import as_utc, utcnow
from app.webhooks import repository
from app.webhooks.errors import SealingKeyMismatch, SubscriptionNotFound, TargetRefused
from app.webhooks.models import DeliveryStatus, SubscriptionStatus, WebhookSubscription
from app.webhooks.schemas import (
    Attempt,
    Delivery,
    DeliveryPage,
    EventType,
    Webhook,
    WebhookCreate,
    WebhookCreated,
)
from app.webhooks.signing import generate_secret, key_fingerprint, seal
from app.webhooks.ssrf import TargetError, resolve

logger = logging.getLogger("app.webhooks")


def _public(row: WebhookSubscription) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        events=[EventType(name) for name in row.events.split(",")],
        status=row.status,
        failing_since=as_utc(row.failing_since),
        failure_reason=row.failure_reason,
        created_at=as_utc(row.created_at) or utcnow(),
        created_by=row.created_by,
    )


def sealing_key(session: Session, configured: SecretStr | None) -> bytes:
    """WEBHOOK_SECRET_KEY's bytes, else the deployment's stored key (made once, on first use,
    shared by every process; concurrent first uses keep whichever was stored first)."""
    if configured is not None:
        return webhook_key_bytes(configured.get_secret_value())
    stored = repository.sealing_key(session)
    if stored is None:
        logger.warning(
            "WEBHOOK_SECRET_KEY is unset: webhook secrets are sealed with a key kept in the "
            "database; set it in production"
        )
        stored = repository.keep_first_sealing_key(session, os.urandom(WEBHOOK_KEY_BYTES))
        # Committed now, whatever the caller does next: the worker reads the key in a session
        # that never commits, and an insert held open would keep other first users waiting.
        session.commit()
    return stored


UNSEALABLE = (
    "its secret was sealed with another WEBHOOK_SECRET_KEY than the server's, so no delivery "
    "can be signed: create it again with the server's key"
)


def record_sealing_key(session: Session, configured: SecretStr | None, holder: str) -> str:
    """At a server's start: record the fingerprint of the key it seals with (the CLI compares
    its own with it), and mark failing, once, every webhook sealed with another key (and
    active again those this key can unseal after all). The caller commits."""
    fingerprint = key_fingerprint(sealing_key(session, configured))
    repository.record_fingerprint(session, fingerprint, holder)
    repository.clear_unsealable(session, UNSEALABLE, fingerprint)
    marked = repository.mark_unsealable(session, UNSEALABLE, other_than=fingerprint)
    if marked:
        logger.error(
            "%d webhook(s) were sealed with another WEBHOOK_SECRET_KEY than this server's and "
            "cannot be delivered; they are marked failing",
            marked,
        )
    return fingerprint


def mark_unsealable(session: Session, subscription_id: str) -> None:
    """A delivery found this webhook's secret sealed with another key: mark it failing and
    say so once (not at every retry). Commits."""
    if repository.mark_unsealable(session, UNSEALABLE, subscription_id=subscription_id):
        logger.error(
            "webhook %s cannot be delivered: %s",
            subscription_id,
            UNSEALABLE,
            extra={"webhook_id": subscription_id},
        )
    session.commit()


def key_for_new_webhook(session: Session, configured: SecretStr | None) -> bytes:
    """The key to seal a new webhook's secret with: this process's, provided it is the one
    the servers use (SealingKeyMismatch otherwise, before any key is made or stored)."""
    recorded = repository.recorded_fingerprint(session)
    if configured is None and recorded is not None:
        stored = repository.sealing_key(session)
        if stored is None or key_fingerprint(stored) != recorded:
            raise SealingKeyMismatch(recorded, None)  # the servers use WEBHOOK_SECRET_KEY
    key = sealing_key(session, configured)
    if recorded is not None and key_fingerprint(key) != recorded:
        stored = repository.sealing_key(session)
        server_key_stored = stored is not None and key_fingerprint(stored) == recorded
        raise SealingKeyMismatch(
            recorded, key_fingerprint(key), server_key_stored=server_key_stored
        )
    return key


def create(
    session: Session,
    request: WebhookCreate,
    *,
    actor: str,
    key: bytes,
    allow_private: bool,
) -> WebhookCreated:
    """Check the target, seal the secret (generated if none was given), store and audit."""
    try:
        resolve(request.url, allow_private=allow_private)
    except TargetError as exc:
        raise TargetRefused(str(exc)) from None
    secret = request.secret or generate_secret()
    subscription_id = f"wh_{uuid.uuid4().hex}"
    row = WebhookSubscription(
        id=subscription_id,
        url=request.url,
        events=",".join(e.value for e in request.events),
        secret_encrypted=seal(key, secret, subscription_id),
        status=SubscriptionStatus.active,
        created_by=actor,
        key_fingerprint=key_fingerprint(key),
    )
    repository.add_subscription(session, row)
    audit.record(
        session,
        actor=actor,
        action="webhook_created",
        details={
            "webhook_id": subscription_id,
            "url": request.url,
            "events": [e.value for e in request.events],
        },
    )
    return WebhookCreated(**_public(row).model_dump(), secret=secret)


def list_webhooks(session: Session) -> list[Webhook]:
    return [_public(row) for row in repository.live_subscriptions(session)]


def get(session: Session, subscription_id: str) -> Webhook:
    row = repository.get_subscription(session, subscription_id)
    if row is None:
        raise SubscriptionNotFound(subscription_id)
    return _public(row)


def delete(session: Session, subscription_id: str, *, actor: str) -> None:
    row = repository.get_subscription(session, subscription_id)
    if row is None:
        raise SubscriptionNotFound(subscription_id)
    repository.delete_subscription(session, row)
    audit.record(
        session,
        actor=actor,
        action="webhook_deleted",
        details={"webhook_id": subscription_id, "url": row.url},
    )


def deliveries(session: Session, subscription_id: str, *, limit: int, offset: int) -> DeliveryPage:
    """A subscription's deliveries with every attempt, newest first; a deleted subscription's
    too, so what happened to it stays inspectable."""
    if repository.get_subscription(session, subscription_id, include_deleted=True) is None:
        raise SubscriptionNotFound(subscription_id)
    rows, total = repository.deliveries_page(session, subscription_id, limit=limit, offset=offset)
    items = [
        Delivery(
            id=delivery.id or 0,
            event_id=delivery.event_id,
            event_type=event_type,
            status=delivery.status,
            attempt_count=delivery.attempts,
            next_attempt_at=(
                as_utc(delivery.next_attempt_at)
                if delivery.status == DeliveryStatus.pending
                else None
            ),
            last_status=delivery.last_status,
            last_error=delivery.last_error,
            delivered_at=as_utc(delivery.delivered_at),
            created_at=as_utc(delivery.created_at) or utcnow(),
            attempts=[
                Attempt(
                    at=as_utc(a.at) or utcnow(),
                    status_code=a.status_code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                )
                for a in attempts
            ],
        )
        for delivery, event_type, attempts in rows
    ]
    return DeliveryPage(items=items, total=total, limit=limit, offset=offset)
