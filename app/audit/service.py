"""Recording what changed, who changed it and why, in the same transaction as the change."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from app.audit import repository
from app.audit.models import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    version: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    repository.add(
        session,
        AuditEvent(
            actor=actor,
            action=action,
            version=version,
            reason=reason,
            details_json=json.dumps(details or {}, sort_keys=True),
        ),
    )
