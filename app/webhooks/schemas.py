"""Shapes of the webhooks API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.webhooks.models import DeliveryStatus, SubscriptionStatus
from app.webhooks.signing import SecretFormatError, secret_bytes
from app.webhooks.ssrf import TargetError, check_url_shape


class EventType(StrEnum):
    """What a webhook can be told about."""

    content_published = "content.published"
    content_rolled_back = "content.rolled_back"
    content_rollout_changed = "content.rollout_changed"


class WebhookCreate(BaseModel):
    """A receiver to call when content changes."""

    url: str = Field(
        max_length=2048,
        description="An http or https URL whose host resolves to public addresses only.",
        examples=["https://hooks.example.com/tremor-guide"],
    )
    events: list[EventType] = Field(
        min_length=1, max_length=len(EventType), description="The event types to send."
    )
    secret: str | None = Field(
        default=None,
        max_length=200,
        description=(
            "A Standard Webhooks secret, `whsec_` + base64 of 24 to 64 bytes; left out, one is "
            "generated. It is shown in this answer only."
        ),
    )

    @field_validator("url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        try:
            check_url_shape(value)
        except TargetError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("events")
    @classmethod
    def _distinct(cls, value: list[EventType]) -> list[EventType]:
        return list(dict.fromkeys(value))

    @field_validator("secret")
    @classmethod
    def _secret_format(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                secret_bytes(value)
            except SecretFormatError as exc:
                raise ValueError(str(exc)) from None
        return value


class Webhook(BaseModel):
    """A webhook subscription (its secret is never shown again)."""

    id: str
    url: str
    events: list[EventType]
    status: SubscriptionStatus = Field(
        description="failing once a delivery gave up, or when its secret cannot be unsealed "
        "(see failure_reason); active again after the next success."
    )
    failing_since: datetime | None = None
    failure_reason: str | None = Field(
        default=None,
        description="Why it is failing when no delivery can succeed until an operator acts "
        "(its secret was sealed with another WEBHOOK_SECRET_KEY than the server's); null "
        "otherwise.",
    )
    created_at: datetime
    created_by: str = Field(description="The name of the key that created it.")


class WebhookCreated(Webhook):
    """A new subscription, with its signing secret: store it now, it is not shown again."""

    secret: str = Field(description="The signing secret, `whsec_...`.")


class WebhookList(BaseModel):
    items: list[Webhook]


class Attempt(BaseModel):
    """One try of a delivery."""

    at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null on an error.")
    error: str | None = Field(description="Why no answer came (or why the target was refused).")
    duration_ms: int


class Delivery(BaseModel):
    """One event for one subscription, and every try of it, newest first."""

    id: int
    event_id: str = Field(description="The `webhook-id` header of every try.")
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next.")
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    attempts: list[Attempt]


class DeliveryPage(BaseModel):
    """A page of a subscription's deliveries, newest first."""

    items: list[Delivery]
    total: int
    limit: int
    offset: int


# What each event's `data` holds: the outbox validates every payload against these before
# writing it, and the spec's `webhooks` section is built from them, so neither can drift.
class ContentPublishedData(BaseModel):
    """A version was published: made current, or (with `rollout_percent`) a canary."""

    version: int = Field(description="The version published.")
    previous_version: int | None = Field(description="The version that was current before.")
    published_by: str = Field(description="The name of the key that published it.")
    forced: bool = Field(description="Published although golden cases failed.")
    reason: str | None = Field(description="The reason given, else the version's notes.")
    rollout_percent: int | None = Field(
        ge=1,
        le=99,
        description=(
            "null: the version is current for everyone at once; 1 to 99: it is a canary "
            "served to that share of callers (see content.rollout_changed)."
        ),
    )


class ContentRolledBackData(BaseModel):
    """An earlier published version was made current again."""

    version: int = Field(description="The version now current.")
    previous_version: int | None = Field(description="The version that was current before.")
    rolled_back_by: str = Field(description="The name of the key that rolled back.")
    reason: str | None = Field(description="The reason given.")


class ContentRolloutChangedData(BaseModel):
    """A staged rollout started, was widened or narrowed, promoted or aborted."""

    action: Literal["start", "change", "promote", "abort"] = Field(description="What changed.")
    version: int = Field(description="The canary version the change is about.")
    current_version: int | None = Field(description="The version everyone else gets now.")
    canary_version: int | None = Field(description="The canary now; null once it ended.")
    percent: int | None = Field(description="The canary's share of callers; null once it ended.")
    changed_by: str = Field(description="The name of the key (or `auto-abort`) that changed it.")
    reason: str | None = Field(description="The reason given.")


_TIMESTAMP = "When the change was committed: UTC, ISO 8601 with `Z`, as the API writes times."


class ContentPublishedEvent(BaseModel):
    """The body of a `content.published` delivery."""

    type: Literal["content.published"]
    timestamp: datetime = Field(description=_TIMESTAMP)
    data: ContentPublishedData


class ContentRolledBackEvent(BaseModel):
    """The body of a `content.rolled_back` delivery."""

    type: Literal["content.rolled_back"]
    timestamp: datetime = Field(description=_TIMESTAMP)
    data: ContentRolledBackData


class ContentRolloutChangedEvent(BaseModel):
    """The body of a `content.rollout_changed` delivery."""

    type: Literal["content.rollout_changed"]
    timestamp: datetime = Field(description=_TIMESTAMP)
    data: ContentRolloutChangedData


EVENT_BODIES: dict[EventType, type[BaseModel]] = {
    EventType.content_published: ContentPublishedEvent,
    EventType.content_rolled_back: ContentRolledBackEvent,
    EventType.content_rollout_changed: ContentRolloutChangedEvent,
}
