"""Every query on API keys lives here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.auth.models import ApiKey
from app.core.models import utcnow


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(col(ApiKey.prefix) == prefix)).first()


def by_name(session: Session, name: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(col(ApiKey.name) == name)).first()


def list_keys(session: Session) -> Sequence[ApiKey]:
    return session.exec(select(ApiKey).order_by(col(ApiKey.id))).all()


def add(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def mark_revoked(session: Session, key: ApiKey) -> None:
    key.revoked_at = utcnow()
    session.add(key)
    session.flush()
