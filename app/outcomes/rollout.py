"""A staged rollout judged by its outcomes: the rates side by side, and the automatic abort.

Here rather than in `content`, which owns the rollout itself, because outcomes build on
content and not the other way round. The abort decides on the database's state (the
pointer, locked, and all feedback stored), never on a process's cached view: any replica
that takes the feedback that tips the balance aborts, and the others follow the pointer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import Field
from sqlmodel import Session

from app.content import service as content_service
from app.content.cache import ContentCache
from app.content.errors import NoRollout, StaleRollout
from app.content.schemas import RolloutAction, RolloutStatus
from app.core.config import Settings
from app.outcomes.schemas import Outcome, OutcomeRates
from app.outcomes.service import version_rates

logger = logging.getLogger("app.outcomes")

AUTO_ABORT_ACTOR = "auto-abort"


@dataclass(frozen=True, slots=True)
class AutoAbortPolicy:
    """Abort when canary worse-rate - current worse-rate > margin, both with enough feedback."""

    margin: float | None  # None: never abort by itself
    min_feedback: int

    @classmethod
    def of(cls, settings: Settings) -> AutoAbortPolicy:
        return cls(settings.rollout_auto_abort_margin, settings.rollout_auto_abort_min_feedback)

    def says_abort(self, canary: OutcomeRates, current: OutcomeRates) -> bool:
        if self.margin is None:
            return False
        if min(canary.feedback_count, current.feedback_count) < self.min_feedback:
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
    auto_abort_min_feedback: int = Field(
        description="Feedback each version needs before an automatic abort."
    )


def rollout_report(session: Session, policy: AutoAbortPolicy) -> RolloutWithOutcomes:
    status = content_service.rollout_status(session)
    canary = current = None
    if status.canary_version is not None:
        canary = version_rates(session, status.canary_version)
    if status.current_version is not None:
        current = version_rates(session, status.current_version)
    return RolloutWithOutcomes(
        **status.model_dump(),
        canary_outcomes=canary,
        current_outcomes=current,
        auto_abort_margin=policy.margin,
        auto_abort_min_feedback=policy.min_feedback,
    )


def abort_if_worse(
    session: Session, cache: ContentCache, policy: AutoAbortPolicy, version: int
) -> bool:
    """After feedback on `version` was committed: abort the rollout when `version` is the
    running canary and the policy says so. True when this call aborted it."""
    if policy.margin is None:
        return False
    status = content_service.rollout_status(session)
    if status.canary_version != version or status.current_version is None:
        return False
    canary = version_rates(session, version)
    current = version_rates(session, status.current_version)
    if not policy.says_abort(canary, current):
        return False
    worse = Outcome.worse
    reason = (
        f"worse rate {canary.outcomes[worse].rate:.3f} over {canary.feedback_count} feedback "
        f"against {current.outcomes[worse].rate or 0.0:.3f} over {current.feedback_count} on "
        f"version {status.current_version}: above the margin of {policy.margin}"
    )
    try:
        # canary_version: a canary started meanwhile by someone else is not touched (409).
        content_service.change_rollout(
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
