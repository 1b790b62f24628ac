"""HTTP for outcomes: feedback on an answer, and what a version's answers did."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.api.deps import Assessor, CacheDep, ContentAnalyst, SessionDep
from app.core.bounds import MAX_INT32
from app.core.errors import problem_responses
from app.outcomes import service
from app.outcomes.rollout import AutoAbortPolicy, abort_if_worse
from app.outcomes.schemas import FeedbackAccepted, FeedbackRequest, OutcomesReport

router = APIRouter(prefix="/v1", tags=["outcomes"])

AssessmentIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=256,
        description="The `assessment_id` of an answer this service gave.",
    ),
]


@router.post(
    "/assessments/{assessment_id}/feedback",
    operation_id="create_assessment_feedback",
    status_code=202,
    response_model=FeedbackAccepted,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def create_assessment_feedback(
    assessment_id: AssessmentIdPath,
    body: FeedbackRequest,
    request: Request,
    _caller: Assessor,
    session: SessionDep,
    cache: CacheDep,
) -> FeedbackAccepted:
    """Tell how it went after an answer: attributed to the version, causes and tips it showed.

    Rate limited like assessments. Feedback again on the same answer replaces the earlier.
    Feedback on a canary can end its rollout (ROLLOUT_AUTO_ABORT_MARGIN).
    """
    services = request.app.state.services
    accepted = service.record_feedback(session, services.stamper.signer, assessment_id, body)
    session.commit()  # the feedback is stored whatever the rollout check below decides
    abort_if_worse(session, cache, AutoAbortPolicy.of(services.settings), accepted.content_version)
    return accepted


@router.get(
    "/admin/content/versions/{version}/outcomes",
    operation_id="get_version_outcomes",
    response_model=OutcomesReport,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def get_version_outcomes(
    version: Annotated[int, Path(ge=1, le=MAX_INT32, description="A content version.")],
    _reader: ContentAnalyst,
    session: SessionDep,
) -> OutcomesReport:
    """Per cause and per tip: how often shown, feedback, each outcome's rate with a Wilson
    95 % interval (rate null and interval [0, 1] without feedback)."""
    return service.version_outcomes(session, version)
