"""Shapes of the admin API that belong to no single domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ContentKind(StrEnum):
    """The kinds of item a PATCH can change."""

    causes = "causes"
    tips = "tips"
    faqs = "faqs"
    rules = "rules"
    red_flags = "red_flags"


class AuditEntry(BaseModel):
    """One recorded change: who, when, what and why."""

    id: int
    created_at: datetime
    actor: str = Field(description="The name of the key that made the change.")
    action: str = Field(
        description="publish, publish_forced, rollback, key_created or key_revoked."
    )
    version: int | None = None
    reason: str | None = None
    details: dict[str, Any]


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditEntry]
    total: int
    limit: int
    offset: int
