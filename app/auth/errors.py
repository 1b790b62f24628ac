"""What key management refuses (mapped to HTTP in core)."""

from __future__ import annotations

from app.core.errors import DomainError, ErrorKind


class KeyNameTaken(DomainError):
    kind = ErrorKind.conflict

    def __init__(self, name: str) -> None:
        super().__init__(f"A key named {name!r} exists already.")


class KeyNotFound(DomainError):
    kind = ErrorKind.not_found

    def __init__(self, name: str) -> None:
        super().__init__(f"No key named {name!r}.")
