"""What the content API answers with (public read models) and what its writers send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.content.models import VersionStatus
from app.content.rollout import MAX_PERCENT, MIN_PERCENT
from app.core.bounds import JSON_INTEGER, MAX_INT32
from app.rules.bundle import Bundle

# Notes and reasons are kept in plain text columns: any text up to 2000 characters except
# control characters (PostgreSQL cannot store NUL at all); tabs and line breaks are fine.
FreeText = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"),
]


class CausePublic(BaseModel):
    """A cause of leg shaking, in one locale."""

    id: str = Field(description="Stable id, e.g. dehydration.")
    title: str
    summary: str = Field(description="One or two sentences.")
    explanation: str = Field(description="The mechanism, in plain language.")
    typical_situations: list[str] = Field(description="Situations where it is common.")
    tip_ids: list[str] = Field(description="Ids of the prevention tips that address it.")


class TipPublic(BaseModel):
    """A prevention tip, in one locale."""

    id: str
    title: str
    body: str
    addresses: list[str] = Field(description="Ids of the causes it addresses.")


class FaqPublic(BaseModel):
    """A frequently asked question, in one locale."""

    id: str
    question: str
    answer: str


class _Listing(BaseModel):
    content_version: int = Field(description="The published version the answer comes from.")
    locale: str = Field(description="The locale of the texts.")
    fallback_items: list[str] = Field(
        default_factory=list,
        description="Ids of items not available in the requested locale, given in the default.",
    )


class CauseList(_Listing):
    """The causes of a content version."""

    causes: list[CausePublic]


class CauseDetail(_Listing):
    """One cause of a content version."""

    cause: CausePublic


class TipList(_Listing):
    """The prevention tips of a content version."""

    tips: list[TipPublic]


class TipDetail(_Listing):
    """One prevention tip of a content version."""

    tip: TipPublic


class FaqList(_Listing):
    """The FAQs of a content version."""

    faqs: list[FaqPublic]


class VersionSummary(BaseModel):
    """A content version's metadata."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    status: VersionStatus
    notes: str
    base_version: int | None = None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    published_by: str | None = None
    is_current: bool


class VersionDetail(VersionSummary):
    """A content version with its whole bundle."""

    etag: str = Field(description="The version's ETag; send it as If-Match when writing a draft.")
    bundle: Bundle


VersionNumber = Annotated[int, Field(ge=1, le=MAX_INT32), JSON_INTEGER]


class DraftCreate(BaseModel):
    """Start a draft from a published version."""

    model_config = ConfigDict(extra="forbid")

    # JSON_INTEGER: `true` is not version 1, nor "2" version 2 (the spec says integer, so do we).
    base_version: VersionNumber | None = Field(
        default=None, description="The version to copy; default: the current one."
    )
    notes: FreeText = ""


RolloutPercent = Annotated[int, Field(ge=MIN_PERCENT, le=MAX_PERCENT), JSON_INTEGER]


class PublishRequest(BaseModel):
    """Publish a draft; `force` skips failing golden cases but needs a reason."""

    model_config = ConfigDict(extra="forbid")

    notes: FreeText | None = Field(default=None, description="Why it is published.")
    force: StrictBool = False
    reason: FreeText | None = Field(default=None, description="Required with force.")
    rollout_percent: RolloutPercent | None = Field(
        default=None,
        description=(
            "Publish as a canary served to this share of callers (1 to 99 %); everyone else "
            "keeps the current version until the rollout is promoted or aborted."
        ),
    )


class RolloutAction(StrEnum):
    promote = "promote"
    abort = "abort"


class RolloutChange(BaseModel):
    """Widen or narrow a running canary (`percent`), or end it (`action`): exactly one."""

    model_config = ConfigDict(extra="forbid")

    percent: RolloutPercent | None = Field(
        default=None, description="The canary's new share of callers, 1 to 99 %."
    )
    action: RolloutAction | None = Field(
        default=None,
        description=(
            "promote: the canary becomes current for everyone; abort: nobody is served it "
            "any more (it stays published and can still be pinned)."
        ),
    )
    canary_version: VersionNumber | None = Field(
        default=None,
        description="The canary this change is meant for; another one running answers 409.",
    )
    reason: FreeText | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> RolloutChange:
        if (self.percent is None) == (self.action is None):
            raise PydanticCustomError("rollout_change", "send exactly one of percent and action")
        return self


class RolloutStatus(BaseModel):
    """The staged rollout as the database has it now."""

    running: bool = Field(description="Whether a canary is being rolled out.")
    current_version: int | None = Field(description="What everyone else is served.")
    canary_version: int | None = Field(description="The version being rolled out, if any.")
    percent: int | None = Field(description="The canary's share of callers, 1 to 99 %.")
    started_at: datetime | None = Field(description="When the canary was published.")


class RollbackRequest(BaseModel):
    """Make an earlier published version current."""

    model_config = ConfigDict(extra="forbid")

    to_version: VersionNumber
    reason: FreeText | None = None


class ValidationIssue(BaseModel):
    """One problem that would stop a publish."""

    path: str = Field(description="Where in the bundle, e.g. tips.3.addresses.0.")
    message: str


class GoldenCaseFailure(BaseModel):
    """A golden case whose result the draft no longer produces."""

    id: str
    reasons: list[str]
    expected: dict[str, Any]
    got: dict[str, Any]
    safety: bool = Field(
        default=False,
        description="The answer would under-triage the case, show what a contraindication "
        "forbids, or contradict its own triage: no forced publish can override it.",
    )


class ValidationReport(BaseModel):
    """Everything a publish would refuse, without publishing."""

    version: int
    valid: bool
    problems: list[ValidationIssue]
    golden_failures: list[GoldenCaseFailure]
    golden_cases_run: int
