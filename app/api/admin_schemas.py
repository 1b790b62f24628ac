"""Shapes of the admin API that belong to no single domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType


class ContentKind(StrEnum):
    """The kinds of item a PATCH can change."""

    causes = "causes"
    tips = "tips"
    faqs = "faqs"
    rules = "rules"
    red_flags = "red_flags"
    conditions = "conditions"


# A named schema (not an inline object) so generated SDKs get a `ItemPatch` type.
ItemPatch = TypeAliasType(
    "ItemPatch",
    Annotated[
        dict[str, Any],
        Field(
            description="A JSON merge patch (RFC 7396) of one item; null removes a field.",
            max_length=20,
        ),
    ],
)


class AuditEntry(BaseModel):
    """One recorded change: who, when, what and why."""

    id: int
    created_at: datetime
    actor: str = Field(description="The name of the key that made the change.")
    action: str = Field(
        description=(
            "publish, publish_forced, rollback, rollout_start, rollout_change, "
            "rollout_promote, rollout_abort, key_created or key_revoked."
        )
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
