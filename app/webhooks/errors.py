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


class SealingKeyMismatch(DomainError):
    """This process would seal a secret with another key than the servers use, so no
    delivery of the webhook could ever be signed."""

    kind = ErrorKind.conflict

    def __init__(self, server: str, here: str | None, *, server_key_stored: bool = False) -> None:
        if here is None:
            why = "WEBHOOK_SECRET_KEY is not set here"
        else:
            why = f"WEBHOOK_SECRET_KEY here has the fingerprint {here}"
        if server_key_stored:  # the servers run without WEBHOOK_SECRET_KEY
            fix = "Run this without WEBHOOK_SECRET_KEY, as the server runs."
        else:
            fix = "Run this with the server's WEBHOOK_SECRET_KEY (for example from the same .env)."
        super().__init__(
            f"The server seals webhook secrets with the key of fingerprint {server}, but "
            f"{why}: the server could never unseal this webhook's secret. {fix}"
        )
