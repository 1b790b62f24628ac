"""A staged rollout judged by its outcomes: the rates side by side, and the automatic abort.

Here rather than in `content`, which owns the rollout itself, because outcomes build on
content and not the other way round. The abort decides on the database's state (the
pointer, locked, and the tallies feedback keeps), never on a process's cached view: any
replica that takes the feedback that tips the balance aborts, and the others follow.

It counts independent sources, not feedback: each source (see `service.feedback_source`)
once per version, by its latest outcome, and only once each version has feedback from
ROLLOUT_AUTO_ABORT_MIN_SOURCES of them. So one caller, however many answers it collects or
pins and however it spells their ids, moves each version's rate by one source at most: it can
neither abort a canary nor keep a bad one running (README, "Staged rollout").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import Field
from sqlmodel import Session

from app.content import staged_rollout
from app.content.cache import ContentCache
from app.content.errors import NoRollout, StaleRollout
from app.content.schemas import RolloutAction, RolloutStatus
from app.core.config import Settings
from app.outcomes.schemas import Outcome, OutcomeRates, SourceRates
from app.outcomes.service import source_rates, version_rates

logger = logging.getLogger("app.outcomes")

AUTO_ABORT_ACTOR = "auto-abort"


@dataclass(frozen=True, slots=True)
class AutoAbortPolicy:
    """Abort when canary worse-rate - current worse-rate > margin, rates over independent
    sources, both versions with feedback from enough of them."""

    margin: float | None  # None: never abort by itself
    min_sources: int

    @classmethod
    def of(cls, settings: Settings) -> AutoAbortPolicy:
        return cls(settings.rollout_auto_abort_margin, settings.rollout_auto_abort_min_sources)

    def says_abort(self, canary: SourceRates, current: SourceRates) -> bool:
        if self.margin is None:
            return False
        if min(canary.sources, current.sources) < self.min_sources:
            return False
        canary_worse = canary.outcomes[Outcome.worse].rate or 0.0
        current_worse = current.outcomes[Outcome.worse].rate or 0.0
        return canary_worse - current_worse > self.margin


class RolloutWithOutcomes(RolloutStatus):
    """The rollout, with the canary's and the current version's outcome rates side by side."""

    canary_outcomes: OutcomeRates | None = Field(
        default=None, description="Feedback on the canary's answers (null when none runs)."
    )
    current_outcomes: OutcomeRates | None = Field(
        default=None, description="Feedback on the current version's answers."
    )
    auto_abort_margin: float | None = Field(
        default=None,
        description="ROLLOUT_AUTO_ABORT_MARGIN: the canary is aborted by itself when its "
        "'worse' rate exceeds the current version's by more (null: never).",
    )
    canary_sources: SourceRates | None = Field(
        default=None,
        description="The canary's feedback as the automatic abort counts it: each "
        "independent source once (null when none runs).",
    )
    current_sources: SourceRates | None = Field(
        default=None,
        description="The current version's feedback as the automatic abort counts it.",
    )
    auto_abort_min_sources: int = Field(
        description="ROLLOUT_AUTO_ABORT_MIN_SOURCES: independent sources each version needs "
        "feedback from before an automatic abort."
    )
    auto_abort_min_feedback: int = Field(
        description="The same number as auto_abort_min_sources (its name before sources "
        "were counted).",
        json_schema_extra={"deprecated": True},
    )


def rollout_report(session: Session, policy: AutoAbortPolicy) -> RolloutWithOutcomes:
    status = staged_rollout.rollout_status(session)
    canary: OutcomeRates | None = None
    current: OutcomeRates | None = None
    canary_sources = current_sources = None
    if status.canary_version is not None:
        canary = version_rates(session, status.canary_version)
        canary_sources = source_rates(session, status.canary_version)
    if status.current_version is not None:
        current = version_rates(session, status.current_version)
        current_sources = source_rates(session, status.current_version)
    return RolloutWithOutcomes(
        **status.model_dump(),
        canary_outcomes=canary,
        current_outcomes=current,
        canary_sources=canary_sources,
        current_sources=current_sources,
        auto_abort_margin=policy.margin,
        auto_abort_min_sources=policy.min_sources,
        auto_abort_min_feedback=policy.min_sources,
    )


def abort_if_worse(
    session: Session, cache: ContentCache, policy: AutoAbortPolicy, version: int
) -> bool:
    """After feedback on `version` was committed: abort the rollout when `version` is the
    running canary and the policy says so. True when this call aborted it."""
    if policy.margin is None:
        return False
    status = staged_rollout.rollout_status(session)
    if status.canary_version != version or status.current_version is None:
        return False
    canary = source_rates(session, version)
    current = source_rates(session, status.current_version)
    if not policy.says_abort(canary, current):
        return False
    worse = Outcome.worse
    reason = (
        f"worse rate {canary.outcomes[worse].rate:.3f} over {canary.sources} sources "
        f"against {current.outcomes[worse].rate or 0.0:.3f} over {current.sources} on "
        f"version {status.current_version}: above the margin of {policy.margin}"
    )
    try:
        # canary_version: a canary started meanwhile by someone else is not touched (409).
        staged_rollout.change_rollout(
            session,
            cache,
            action=RolloutAction.abort,
            canary_version=version,
            actor=AUTO_ABORT_ACTOR,
            reason=reason,
        )
    except (NoRollout, StaleRollout):
        session.rollback()
        return False  # another process aborted or promoted it first
    logger.warning("rollout aborted automatically", extra={"canary_version": version})
    return True
