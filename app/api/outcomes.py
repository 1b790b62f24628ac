"""HTTP for outcomes: feedback on an answer, and what a version's answers did."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.api.authorization import Assessor, ContentAnalyst
from app.api.deps import CacheDep, SessionDep
from app.api.identity import ANONYMOUS, client_id
from app.api.parameters import CLIENT_ID_PARAMETER
from app.auth.service import Principal
from app.core.bounds import MAX_INT32
from app.core.errors import problem_responses
from app.core.ratelimit import client_identity
from app.outcomes import service
from app.outcomes.rollout import AutoAbortPolicy, abort_if_worse
from app.outcomes.schemas import FeedbackAccepted, FeedbackRequest, OutcomesReport

router = APIRouter(prefix="/v1", tags=["outcomes"])

AssessmentIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=256,
        description="The `assessment_id` of an answer this service gave, spelled exactly as "
        "given (any other spelling, padding included, is a 404).",
    ),
]


# Read by hand (`identity.client_id`), as on the assessment routes: a malformed one is no claim
# at all, never a 422.
FEEDBACK_CLIENT_ID_PARAMETER = {
    **CLIENT_ID_PARAMETER,
    "description": (
        "The end user an app names (1 to 128 visible ASCII characters, no spaces): counted "
        "in their own rate limit within the caller's, and, with a verified API key "
        "(REQUIRE_API_KEYS on), as a source of its own for the automatic abort of a canary. "
        "Without a key it is not a source: the client address is. Anything else is ignored."
    ),
}


@router.post(
    "/assessments/{assessment_id}/feedback",
    operation_id="create_assessment_feedback",
    status_code=202,
    response_model=FeedbackAccepted,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
    openapi_extra={"parameters": [FEEDBACK_CLIENT_ID_PARAMETER]},
)
def create_assessment_feedback(
    assessment_id: AssessmentIdPath,
    body: FeedbackRequest,
    request: Request,
    caller: Assessor,
    session: SessionDep,
    cache: CacheDep,
) -> FeedbackAccepted:
    """Tell how it went after an answer: attributed to the version, causes and tips it showed.

    Rate limited like assessments. Feedback again on the same answer replaces the earlier;
    an id has one spelling (any other is a 404). Feedback on a canary can end its rollout
    (ROLLOUT_AUTO_ABORT_MARGIN), counted once per independent source (see the README).
    """
    services = request.app.state.services
    source = _source(request, caller)
    accepted = service.record_feedback(
        session, services.stamper.signer, assessment_id, body, source
    )
    session.commit()  # the feedback is stored whatever the rollout check below decides
    abort_if_worse(session, cache, AutoAbortPolicy.of(services.settings), accepted.content_version)
    return accepted


def _source(request: Request, caller: Principal) -> str:
    """Who the feedback counts as for the automatic abort: a verified key and the end user it
    names, else the client address (behind a proxy, the forwarded one)."""
    if caller is ANONYMOUS:
        return service.feedback_source(
            None, None, client_identity(request.scope).removeprefix("ip:")
        )
    return service.feedback_source(caller.name, client_id(request), "")


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
