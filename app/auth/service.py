"""Creating, checking and revoking API keys.

Keys are 32 random bytes, so a single SHA-256 is enough to store them safely (no
password stretching is needed for secrets with that much entropy). A key reads
`tg_<prefix>_<secret>`: the prefix finds the row, the digest is compared in constant
time. Verified keys are remembered for a few seconds so that a key-protected hot
path does not query the database on every request; revocation takes effect within
that window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.audit import service as audit
from app.auth import repository
from app.auth.errors import KeyNameTaken, KeyNotFound
from app.auth.models import ApiKey
from app.auth.scopes import ALL_SCOPES, Scope

KEY_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's name (recorded in the audit log) and its scopes."""

    name: str
    scopes: frozenset[Scope]

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes or Scope.admin in self.scopes


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(values: list[str]) -> frozenset[Scope]:
    scopes: set[Scope] = set()
    for value in values:
        for part in value.replace(",", " ").split():
            try:
                scopes.add(Scope(part))
            except ValueError as exc:
                known = ", ".join(s.value for s in Scope)
                raise ValueError(f"unknown scope {part!r}; known: {known}") from exc
    if not scopes:
        raise ValueError("at least one scope is needed")
    return frozenset(scopes)


def create_key(session: Session, name: str, scopes: frozenset[Scope], actor: str) -> str:
    """Store a new key's digest and return the key itself; it is never shown again."""
    if repository.by_name(session, name) is not None:
        raise KeyNameTaken(name)
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = f"tg_{prefix}_{secret}"
    repository.add(
        session,
        ApiKey(
            name=name,
            prefix=prefix,
            key_hash=digest(key),
            scopes=" ".join(sorted(s.value for s in scopes)),
        ),
    )
    audit.record(session, actor=actor, action="key_created", details={"name": name})
    return key


def revoke_key(session: Session, name: str, actor: str) -> ApiKey:
    key = repository.by_name(session, name)
    if key is None:
        raise KeyNotFound(name)
    if key.revoked_at is None:
        repository.mark_revoked(session, key)
        audit.record(session, actor=actor, action="key_revoked", details={"name": name})
    return key


class KeyVerifier:
    """Checks bearer keys against the environment's admin key and the stored digests."""

    def __init__(self, engine: Engine, admin_key: str | None) -> None:
        self._engine = engine
        self._admin_digest = digest(admin_key) if admin_key else None
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def verify(self, presented: str) -> Principal | None:
        """The principal of a valid, unrevoked key, else None."""
        presented_digest = digest(presented)
        if self._admin_digest is not None and hmac.compare_digest(
            presented_digest, self._admin_digest
        ):
            return Principal(name="admin (ADMIN_API_KEY)", scopes=ALL_SCOPES)
        now = time.monotonic()
        cached = self._cache.get(presented_digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        principal = self._lookup(presented, presented_digest)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[presented_digest] = (now + KEY_CACHE_SECONDS, principal)
        return principal

    def forget(self) -> None:
        """Drop remembered verdicts (after a revoke in this process)."""
        with self._lock:
            self._cache.clear()

    def _lookup(self, presented: str, presented_digest: str) -> Principal | None:
        parts = presented.split("_")
        if len(parts) < 3 or parts[0] != "tg":
            return None
        with Session(self._engine) as session:
            row = repository.by_prefix(session, parts[1])
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.key_hash, presented_digest):
            return None
        return Principal(name=row.name, scopes=parse_scopes([row.scopes]))
