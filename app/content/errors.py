"""What the content store refuses, named for editors' situations (mapped to HTTP in core)."""

from __future__ import annotations

from app.core.errors import DomainError, ErrorKind


class VersionNotFound(DomainError):
    kind = ErrorKind.not_found

    def __init__(self, version: int) -> None:
        super().__init__(f"Content version {version} does not exist.")


class VersionNotServed(DomainError):
    """A pinned version this process does not serve: unknown, a draft, or archived."""

    kind = ErrorKind.not_found

    def __init__(self, version: int) -> None:
        super().__init__(f"Content version {version} does not exist or is not published.")


class UnknownKind(DomainError):
    kind = ErrorKind.not_found


class ItemNotFound(DomainError):
    kind = ErrorKind.not_found


class NotADraft(DomainError):
    kind = ErrorKind.conflict


class NotPublished(DomainError):
    kind = ErrorKind.conflict


class AlreadyCurrent(DomainError):
    kind = ErrorKind.conflict

    def __init__(self, version: int) -> None:
        super().__init__(f"Version {version} is already current.")


class NoCurrentVersion(DomainError):
    kind = ErrorKind.conflict


class ConcurrentChange(DomainError):
    kind = ErrorKind.conflict

    def __init__(self, version: int) -> None:
        super().__init__(f"Version {version} was changed or published by another request.")


class StaleRevision(DomainError):
    """The If-Match the editor sent names an earlier revision of the draft."""

    kind = ErrorKind.stale


class InvalidChange(DomainError):
    """A draft change or publish that the bundle's rules refuse."""

    kind = ErrorKind.invalid


class NothingLoaded(DomainError):
    kind = ErrorKind.unavailable
