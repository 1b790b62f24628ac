"""Tables of the versioned content store.

A version keeps its whole bundle as one JSON document: loading a version is one
single-row read, a draft is a copy of a row, and a diff compares two documents.
The current pointer is one row with a generation counter that every publish or
rollback bumps, so each process can notice a change with one cheap query.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.core.models import utcnow


class VersionStatus(StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class ContentVersion(SQLModel, table=True):
    __tablename__ = "content_version"

    version: int | None = Field(default=None, primary_key=True)
    status: VersionStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    base_version: int | None = Field(default=None)
    bundle_json: str = Field(sa_column=Column(Text, nullable=False))
    checksum: str = Field(sa_column=Column(String(64), nullable=False))
    revision: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    created_by: str | None = Field(default=None, sa_column=Column(String(128)))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    published_by: str | None = Field(default=None, sa_column=Column(String(128)))
    publish_reason: str | None = Field(default=None, sa_column=Column(Text))


class ContentPointer(SQLModel, table=True):
    """The single row that names the current version (and any canary); `generation` bumps on
    every move."""

    __tablename__ = "content_pointer"

    id: int = Field(default=1, primary_key=True)
    current_version: int = Field(
        sa_column=Column(Integer, ForeignKey("content_version.version"), nullable=False)
    )
    generation: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    # A staged rollout: while `canary_version` is set, `rollout_percent` of the callers that
    # pin no version are served it (app.content.rollout); kept on this row so that a process
    # reads current and canary together and follows both with the same generation.
    canary_version: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("content_version.version"))
    )
    rollout_percent: int | None = Field(default=None, sa_column=Column(Integer))
    rollout_started_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
