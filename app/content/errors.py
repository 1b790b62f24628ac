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


class RolloutRunning(DomainError):
    """A publish or rollback while a canary runs: promote or abort it first."""

    kind = ErrorKind.conflict

    def __init__(self, canary_version: int) -> None:
        super().__init__(
            f"Version {canary_version} is being rolled out as a canary; promote or abort "
            "that rollout first (POST /v1/admin/content/rollout)."
        )


class NoRollout(DomainError):
    kind = ErrorKind.conflict

    def __init__(self) -> None:
        super().__init__("No canary is being rolled out.")


class StaleRollout(DomainError):
    """The caller named another canary than the one the database has now."""

    kind = ErrorKind.conflict

    def __init__(self, expected: int, running: int) -> None:
        super().__init__(
            f"The canary being rolled out is version {running}, not {expected}; "
            "read GET /v1/admin/content/rollout again."
        )
