"""What outcomes refuse, in the domain's terms (mapped to HTTP in core)."""

from __future__ import annotations

from app.core.errors import DomainError, ErrorKind


class UnknownAssessment(DomainError):
    """An id this service did not issue (or whose version is gone): tampered, made up."""

    kind = ErrorKind.not_found

    def __init__(self) -> None:
        super().__init__("No assessment with this id was issued by this service.")


class UnknownVersion(DomainError):
    kind = ErrorKind.not_found

    def __init__(self, version: int) -> None:
        super().__init__(f"Content version {version} does not exist.")


class InvalidFeedback(DomainError):
    kind = ErrorKind.invalid
