"""Every query on the audit trail lives here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent


def add(session: Session, event: AuditEvent) -> None:
    session.add(event)


def page(session: Session, *, limit: int, offset: int) -> tuple[Sequence[AuditEvent], int]:
    """A page of events, newest first, and the total count."""
    total = int(session.exec(select(func.count()).select_from(AuditEvent)).one())
    rows = session.exec(
        select(AuditEvent)
        .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return rows, total
