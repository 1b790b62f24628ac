"""What the webhooks refuse (mapped to HTTP in core)."""

from __future__ import annotations

from app.core.errors import DomainError, ErrorKind, FieldError


class SubscriptionNotFound(DomainError):
    kind = ErrorKind.not_found

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"There is no webhook {subscription_id!r}.")


class TargetRefused(DomainError):
    """A URL whose host is unknown or resolves to an address the service must not call."""

    kind = ErrorKind.invalid

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The webhook URL is refused: {reason}.",
            errors=[FieldError(loc="url", message=reason)],
        )
