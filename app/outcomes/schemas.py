"""The shapes of feedback and of the outcomes report."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.content.diff import ContentDiff


class Outcome(StrEnum):
    resolved = "resolved"
    better = "better"
    same = "same"
    worse = "worse"


OUTCOMES = tuple(Outcome)


class FeedbackRequest(BaseModel):
    """How the workout went after the answer, as the user tells it."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(description="How the shaking went: resolved, better, same or worse.")
    tips_followed: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list,
        max_length=50,
        description="Ids of the answer's tips the user followed (only tips that answer showed).",
    )
    helpful: StrictBool | None = Field(default=None, description="Whether the answer helped.")


class FeedbackAccepted(BaseModel):
    """Feedback stored, attributed to what the answer showed."""

    assessment_id: str
    content_version: int
    outcome: Outcome
    replaced: bool = Field(description="True when it replaced earlier feedback on this answer.")


class OutcomeRate(BaseModel):
    """One outcome among the feedback: count, rate and its Wilson 95 % interval."""

    count: int
    rate: float | None = Field(description="count / feedback_count; null without feedback.")
    ci_low: float = Field(description="Wilson 95 % interval, low end (0 without feedback).")
    ci_high: float = Field(description="Wilson 95 % interval, high end (1 without feedback).")


class HelpfulCounts(BaseModel):
    yes: int = 0
    no: int = 0


class OutcomeRates(BaseModel):
    """Feedback on a set of answers: how many, and each outcome's share."""

    feedback_count: int
    outcomes: dict[Outcome, OutcomeRate] = Field(
        description="Per outcome (resolved, better, same, worse)."
    )
    helpful: HelpfulCounts


class SourceRates(BaseModel):
    """Feedback as the automatic abort of a canary counts it: each independent source once
    per version, by the latest outcome it gave on any of the version's answers."""

    sources: int = Field(description="Independent sources that gave feedback on the version.")
    outcomes: dict[Outcome, OutcomeRate] = Field(
        description="Per outcome: sources whose latest feedback it is, and their share."
    )


class ItemOutcomes(OutcomeRates):
    """The answers that showed one cause."""

    id: str
    shown: int = Field(description="Answers that showed it (flushed every few seconds).")


class TipOutcomes(ItemOutcomes):
    """The answers that showed one tip."""

    tips_followed: int = Field(description="Feedback saying the user followed this tip.")


class OutcomesReport(BaseModel):
    """What the answers of one content version did, per cause and per tip."""

    content_version: int
    overall: OutcomeRates
    causes: list[ItemOutcomes]
    tips: list[TipOutcomes]


class ItemSideBySide(BaseModel):
    """One cause or tip in both versions (null where a version does not have it)."""

    id: str
    before: ItemOutcomes | None = Field(alias="from")
    after: ItemOutcomes | None = Field(alias="to")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class OutcomesSideBySide(BaseModel):
    """Outcome rates of the two versions of a diff, overall and per cause and tip."""

    before: OutcomeRates = Field(alias="from")
    after: OutcomeRates = Field(alias="to")
    causes: list[ItemSideBySide] = Field(
        description="The causes either version showed or got feedback on (the others: no data)."
    )
    tips: list[ItemSideBySide] = Field(
        description="The tips either version showed or got feedback on (the others: no data)."
    )

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ContentDiffWithOutcomes(ContentDiff):
    """The diff of two versions, with their outcome rates side by side."""

    outcomes: OutcomesSideBySide
