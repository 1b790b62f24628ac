"""HTTP for assessments: parse the context, pick version and locale, call the engine."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from app.assessment.context import WorkoutContext
from app.assessment.schemas import AssessmentResponse
from app.content.cache import LoadedVersion
from app.content.http import LocaleQuery, VersionQuery
from app.core.deps import Assessor, CacheDep
from app.core.errors import PROBLEM_TYPE_BASE, FieldError, problem_responses, validation_errors
from app.core.locale import negotiate_locale
from app.core.metrics import ASSESSMENTS

router = APIRouter(prefix="/v1", tags=["assessments"])

MAX_BATCH_ITEMS = 100
LimitQuery = Annotated[int, Query(ge=1, le=50, description="How many causes to return.")]
AcceptLanguage = Annotated[str | None, Header(max_length=512, include_in_schema=False)]
_context_adapter: TypeAdapter[WorkoutContext] = TypeAdapter(WorkoutContext)


class BatchRequest(BaseModel):
    """Up to 100 workout contexts, assessed independently."""

    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description="Workout contexts (the same shape as POST /v1/assessments takes).",
    )


class ItemProblem(BaseModel):
    """A batch item that could not be assessed; the other items are unaffected."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError]


class BatchResponse(BaseModel):
    """One result per item, in the order of the request."""

    content_version: int
    locale: str
    results: list[AssessmentResponse | ItemProblem]


def _assess(
    loaded: LoadedVersion, context: WorkoutContext, locale: str, limit: int
) -> AssessmentResponse:
    result = loaded.engine.assess(
        context, locale=locale, limit=limit, assessment_id=uuid.uuid4().hex
    )
    ASSESSMENTS.labels(result.triage.level, result.causes[0].id if result.causes else "none").inc()
    return result


@router.post(
    "/assessments",
    operation_id="create_assessment",
    response_model=AssessmentResponse,
    responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
)
async def create_assessment(
    context: WorkoutContext,
    cache: CacheDep,
    response: Response,
    _caller: Assessor,
    content_version: VersionQuery = None,
    locale: LocaleQuery = None,
    limit: LimitQuery = 5,
    accept_language: AcceptLanguage = None,
) -> AssessmentResponse:
    """Rank the likely causes of leg shaking for one workout, with tips and a triage level."""
    loaded = cache.get(content_version)
    chosen = negotiate_locale(locale, accept_language, loaded.locales, loaded.bundle.default_locale)
    response.headers["Content-Language"] = chosen
    return _assess(loaded, context, chosen, limit)


@router.post(
    "/assessments:batch",
    operation_id="create_assessment_batch",
    response_model=BatchResponse,
    responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
)
async def create_assessment_batch(
    batch: BatchRequest,
    cache: CacheDep,
    response: Response,
    _caller: Assessor,
    content_version: VersionQuery = None,
    locale: LocaleQuery = None,
    limit: LimitQuery = 5,
    accept_language: AcceptLanguage = None,
) -> BatchResponse:
    """Assess up to 100 workouts at once; a bad item gets its own problem, not a failed batch."""
    loaded = cache.get(content_version)
    chosen = negotiate_locale(locale, accept_language, loaded.locales, loaded.bundle.default_locale)
    response.headers["Content-Language"] = chosen
    results: list[AssessmentResponse | ItemProblem] = []
    for index, item in enumerate(batch.items):
        try:
            context = _context_adapter.validate_python(item)
        except ValidationError as exc:
            errors = validation_errors(exc.errors())
            results.append(
                ItemProblem(
                    type=PROBLEM_TYPE_BASE + "validation",
                    title="Unprocessable Content",
                    status=422,
                    detail=f"Item {index} is not a valid workout context.",
                    errors=errors,
                )
            )
            continue
        results.append(_assess(loaded, context, chosen, limit))
    return BatchResponse(content_version=loaded.version, locale=chosen, results=results)
