"""The audit trail of publishes, rollbacks, forced publishes and key changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.core.models import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True),
    )
    actor: str = Field(sa_column=Column(String(128), nullable=False))
    action: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    version: int | None = Field(default=None, sa_column=Column(Integer))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    details_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
