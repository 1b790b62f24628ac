"""The transactional outbox: an event and its deliveries, written in the caller's transaction.

Whatever writes a change calls `enqueue` before its own commit, so the event exists exactly
when the change does: a change that rolls back leaves no event, and a process killed after
the commit leaves a pending delivery the worker (of any process) sends later.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.core.models import utcnow
from app.webhooks import repository
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from app.webhooks.schemas import EVENT_BODIES, EventType


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def enqueue(session: Session, event_type: EventType | str, data: dict[str, Any]) -> None:
    """Add the event and one pending delivery per subscription listening to its type, in the
    caller's transaction (no commit); `data` must be the event type's documented data
    (EVENT_BODIES). ValueError for a type that is not an EventType, or other data."""
    kind = EventType(event_type)
    now = utcnow()
    event_id = new_event_id()
    # Validated by the documented shape (a field added without it fails here, in tests), and
    # written by pydantic, so times read as the API writes them (`...Z`).
    body = EVENT_BODIES[kind].model_validate({"type": kind.value, "timestamp": now, "data": data})
    # The Standard Webhooks payload; stored as the exact bytes every try sends.
    payload = json.dumps(
        body.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    listening = [
        row for row in repository.live_subscriptions(session) if kind.value in row.events.split(",")
    ]
    # An event nobody listens to is still kept: the outbox is also the record of what
    # happened, and a delivery list that is empty needs no worker.
    repository.add_event(
        session,
        WebhookEvent(id=event_id, type=kind.value, payload=payload, created_at=now),
        [
            WebhookDelivery(
                subscription_id=row.id,
                event_id=event_id,
                status=DeliveryStatus.pending,
                # A hair in the past so a worker on a clock a little behind sends it now.
                next_attempt_at=now - timedelta(seconds=1),
                created_at=now,
            )
            for row in listening
        ],
    )
