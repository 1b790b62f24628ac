"""Every query of the webhooks lives here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.models import utcnow
from app.core.upsert import dialect_insert, keep_first_row
from app.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookKeyFingerprint,
    WebhookSealingKey,
    WebhookSubscription,
    WorkerLease,
)


def sealing_key(session: Session) -> bytes | None:
    row = session.get(WebhookSealingKey, 1)
    return None if row is None else bytes(row.key)


def keep_first_sealing_key(session: Session, key: bytes) -> bytes:
    """Store `key` unless another process stored one first; the key that is stored. The
    caller commits."""
    stored = keep_first_row(session, WebhookSealingKey, id=1, key=key, created_at=utcnow())
    return bytes(stored.key)


def recorded_fingerprint(session: Session) -> str | None:
    """The fingerprint of the key the last server to start seals with (None: none started)."""
    query = select(col(WebhookKeyFingerprint.fingerprint)).where(col(WebhookKeyFingerprint.id) == 1)
    return session.exec(query).first()


def record_fingerprint(session: Session, fingerprint: str, holder: str) -> None:
    statement = dialect_insert(session, WebhookKeyFingerprint).values(
        id=1, fingerprint=fingerprint, recorded_at=utcnow(), recorded_by=holder
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "fingerprint": statement.excluded.fingerprint,
                "recorded_at": statement.excluded.recorded_at,
                "recorded_by": statement.excluded.recorded_by,
            },
        )
    )


def mark_unsealable(
    session: Session, reason: str, *, other_than: str | None = None, subscription_id: str = ""
) -> int:
    """Mark failing, with `reason`, the live subscriptions sealed with another key than
    `other_than` (or the one subscription named); how many changed (0 when they already
    were, so the caller logs a change once)."""
    query = (
        update(WebhookSubscription)
        .where(col(WebhookSubscription.deleted_at).is_(None))
        .where(
            or_(
                col(WebhookSubscription.failure_reason).is_(None),
                col(WebhookSubscription.failure_reason) != reason,
            )
        )
    )
    if other_than is not None:
        query = query.where(col(WebhookSubscription.key_fingerprint) != other_than)
    else:
        query = query.where(col(WebhookSubscription.id) == subscription_id)
    now = utcnow()
    result = session.execute(
        query.values(
            status=SubscriptionStatus.failing,
            failure_reason=reason,
            failing_since=func.coalesce(WebhookSubscription.failing_since, now),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def clear_unsealable(session: Session, reason: str, fingerprint: str) -> int:
    """Make active again the subscriptions marked with `reason` that this key can unseal."""
    result = session.execute(
        update(WebhookSubscription)
        .where(col(WebhookSubscription.failure_reason) == reason)
        .where(col(WebhookSubscription.key_fingerprint) == fingerprint)
        .values(status=SubscriptionStatus.active, failure_reason=None, failing_since=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def add_subscription(session: Session, subscription: WebhookSubscription) -> None:
    session.add(subscription)
    session.flush()


def live_subscriptions(session: Session) -> Sequence[WebhookSubscription]:
    """Subscriptions not deleted, oldest first."""
    return session.exec(
        select(WebhookSubscription)
        .where(col(WebhookSubscription.deleted_at).is_(None))
        .order_by(col(WebhookSubscription.created_at), col(WebhookSubscription.id))
    ).all()


def get_subscription(
    session: Session, subscription_id: str, *, include_deleted: bool = False
) -> WebhookSubscription | None:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None or (row.deleted_at is not None and not include_deleted):
        return None
    return row


def delete_subscription(session: Session, row: WebhookSubscription) -> None:
    """Mark it deleted; its pending deliveries will never be sent, so they end as failed."""
    now = utcnow()
    row.deleted_at = now
    session.add(row)
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.subscription_id) == row.id)
        .where(col(WebhookDelivery.status) == DeliveryStatus.pending)
        .values(status=DeliveryStatus.failed, last_error="the webhook was deleted")
    )
    session.flush()


def add_event(session: Session, event: WebhookEvent, deliveries: Sequence[WebhookDelivery]) -> None:
    session.add(event)
    session.flush()  # the event row before the deliveries that refer to it
    session.add_all(deliveries)
    session.flush()


def deliveries_page(
    session: Session, subscription_id: str, *, limit: int, offset: int
) -> tuple[list[tuple[WebhookDelivery, str, list[WebhookAttempt]]], int]:
    """A page of a subscription's deliveries with their event types and attempts, newest
    first (three queries, whatever the page size), and the total count."""
    total = int(
        session.exec(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(col(WebhookDelivery.subscription_id) == subscription_id)
        ).one()
    )
    rows = session.exec(
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .where(col(WebhookDelivery.subscription_id) == subscription_id)
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [delivery.id for delivery, _ in rows]
    attempts: dict[int, list[WebhookAttempt]] = {}
    if ids:
        for attempt in session.exec(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(ids))
            .order_by(col(WebhookAttempt.at).desc(), col(WebhookAttempt.id).desc())
        ).all():
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return [(d, t, attempts.get(d.id or 0, [])) for d, t in rows], total


# --- the worker ----------------------------------------------------------------------------


def take_lease(session: Session, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `holder`: one UPDATE that succeeds only when the
    lease has expired or is already ours, so two processes never both hold it."""
    now = utcnow()
    result = session.execute(
        update(WorkerLease)
        .where(col(WorkerLease.name) == name)
        .where(or_(col(WorkerLease.expires_at) < now, col(WorkerLease.holder) == holder))
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        session.commit()
        return True
    if session.get(WorkerLease, name) is not None:
        session.rollback()
        return False
    # The first worker ever: insert the row; a racing insert loses on the primary key.
    session.add(WorkerLease(name=name, holder=holder, expires_at=now + timedelta(seconds=seconds)))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def release_lease(session: Session, name: str, holder: str) -> None:
    session.execute(
        update(WorkerLease)
        .where(col(WorkerLease.name) == name)
        .where(col(WorkerLease.holder) == holder)
        .values(expires_at=datetime(1970, 1, 1, tzinfo=utcnow().tzinfo))
    )
    session.commit()


def due_deliveries(
    session: Session,
    now: datetime,
    limit: int,
    *,
    per_subscription: int,
    skip_deliveries: Collection[int] = (),
    skip_subscriptions: Collection[str] = (),
) -> Sequence[tuple[WebhookDelivery, WebhookEvent, WebhookSubscription]]:
    """Pending deliveries whose time has come, oldest first, with their event and target: at
    most `per_subscription` of each subscription, so one receiver's backlog cannot fill the
    batch, and none of those named to skip (already being tried by this process)."""
    ranked = (
        select(
            col(WebhookDelivery.id).label("delivery_id"),
            func.row_number()
            .over(
                partition_by=col(WebhookDelivery.subscription_id),
                order_by=(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id)),
            )
            .label("rank"),
        )
        .where(col(WebhookDelivery.status) == DeliveryStatus.pending)
        .where(col(WebhookDelivery.next_attempt_at) <= now)
        .where(col(WebhookDelivery.id).not_in(list(skip_deliveries)))
        .where(col(WebhookDelivery.subscription_id).not_in(list(skip_subscriptions)))
        .subquery()
    )
    return session.exec(
        select(WebhookDelivery, WebhookEvent, WebhookSubscription)
        .join(ranked, ranked.c.delivery_id == col(WebhookDelivery.id))
        .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
        .join(
            WebhookSubscription,
            col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id),
        )
        .where(ranked.c.rank <= per_subscription)
        .where(col(WebhookSubscription.deleted_at).is_(None))
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
    ).all()


def record_attempt(
    session: Session,
    delivery_id: int,
    attempt: WebhookAttempt,
    *,
    status: DeliveryStatus,
    next_attempt_at: datetime,
    subscription_id: str,
) -> None:
    """One try and its consequences, in one transaction: the attempt row, the delivery's new
    state, and the subscription's (active after a success, failing after giving up)."""
    session.add(attempt)
    values: dict[str, object] = {
        "status": status,
        "attempts": WebhookDelivery.attempts + 1,
        "next_attempt_at": next_attempt_at,
        "last_status": attempt.status_code,
        "last_error": attempt.error,
    }
    if status == DeliveryStatus.delivered:
        values["delivered_at"] = attempt.at
    # Only a delivery still pending moves: one the webhook's deletion failed stays failed.
    session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id)
        .where(col(WebhookDelivery.status) == DeliveryStatus.pending)
        .values(**values)
    )
    if status == DeliveryStatus.delivered:
        session.execute(
            update(WebhookSubscription)
            .where(col(WebhookSubscription.id) == subscription_id)
            .values(status=SubscriptionStatus.active, failing_since=None, failure_reason=None)
        )
    elif status == DeliveryStatus.failed:
        session.execute(
            update(WebhookSubscription)
            .where(col(WebhookSubscription.id) == subscription_id)
            .where(col(WebhookSubscription.status) == SubscriptionStatus.active)
            .values(status=SubscriptionStatus.failing, failing_since=attempt.at)
        )
    session.commit()
