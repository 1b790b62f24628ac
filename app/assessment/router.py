"""HTTP for assessments: parse the context, pick version and locale, call the engine."""

from __future__ import annotations

import os
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.assessment.context import WorkoutContext
from app.assessment.schemas import AssessmentResponse
from app.auth.scopes import Scope
from app.content.cache import LoadedVersion
from app.content.http import LocaleQuery, VersionQuery
from app.core.deps import BEARER_SECURITY, Assessor, CacheDep, authorize_request
from app.core.errors import (
    PROBLEM_TYPE_BASE,
    FieldError,
    UnsupportedMediaType,
    problem_responses,
    validation_errors,
)
from app.core.fastlane import read_body
from app.core.locale import negotiate_locale
from app.core.metrics import count_assessment
from app.core.openapi import json_body, query_parameters

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
) -> dict[str, Any]:
    # 128 random bits as 32 hex digits: the same shape as a UUID's hex, without building one.
    payload = loaded.engine.assess_payload(
        context, locale=locale, limit=limit, assessment_id=os.urandom(16).hex()
    )
    causes = payload["causes"]
    count_assessment(payload["triage"]["level"], causes[0]["id"] if causes else "none")
    return payload


class JSONAnswer(Response):
    """A JSON body serialised by the caller, with every header known in advance.

    Starlette's `Response.__init__` re-derives the media type, charset and header list on
    every call; on the assessment path they never change, so they are written out directly.
    """

    media_type = "application/json"

    def __init__(self, body: bytes, locale: str) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [
            (b"content-length", b"%d" % len(body)),
            (b"content-type", b"application/json"),
            (b"content-language", locale.encode("ascii")),
            (b"vary", b"Accept-Language"),
        ]


class AssessmentQuery(BaseModel):
    """The query parameters of the assessment routes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    content_version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="Pin a published content version; default: current.",
    )
    locale: str | None = Field(
        default=None,
        max_length=35,
        pattern=r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$",
        description="Locale of the texts, e.g. en or es-MX; default from Accept-Language.",
    )
    limit: int = Field(default=5, ge=1, le=50, description="How many causes to return.")


_DEFAULT_QUERY = AssessmentQuery()
_query_adapter: TypeAdapter[AssessmentQuery] = TypeAdapter(AssessmentQuery)
JSON_TYPES = ("application/json", "application/merge-patch+json")


def _parse_query(request: Request) -> AssessmentQuery:
    if not request.scope["query_string"]:
        return _DEFAULT_QUERY
    try:
        return _query_adapter.validate_python(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("query", *err["loc"])} for err in exc.errors()]
        ) from exc


async def _parse_context(request: Request) -> WorkoutContext:
    """Parse and validate the body in one pass of pydantic's JSON parser."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the workout context as application/json (got {media_type or 'no type'!r})."
        )
    try:
        return WorkoutContext.model_validate_json(await read_body(request))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        ) from exc


@router.post(
    "/assessments",
    operation_id="create_assessment",
    response_model=AssessmentResponse,
    responses=problem_responses(401, 403, 404, 413, 415, 422, 429, 503),
    openapi_extra={
        "parameters": query_parameters(AssessmentQuery),
        "requestBody": json_body(WorkoutContext),
        "security": BEARER_SECURITY,
    },
)
async def create_assessment(request: Request) -> Response:
    """Rank the likely causes of leg shaking for one workout, with tips and a triage level.

    The hot path of the service: the body and query are parsed here rather than by FastAPI's
    dependency machinery, and the answer is serialised once, straight to bytes.
    """
    await authorize_request(request, Scope.assess)
    query = _parse_query(request)
    context = await _parse_context(request)
    loaded = request.app.state.services.cache.get(query.content_version)
    chosen = negotiate_locale(
        query.locale,
        request.headers.get("accept-language"),
        loaded.locales,
        loaded.bundle.default_locale,
    )
    return JSONAnswer(orjson.dumps(_assess(loaded, context, chosen, query.limit)), chosen)


@router.post(
    "/assessments:batch",
    operation_id="create_assessment_batch",
    response_model=BatchResponse,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
)
async def create_assessment_batch(
    batch: BatchRequest,
    cache: CacheDep,
    _caller: Assessor,
    content_version: VersionQuery = None,
    locale: LocaleQuery = None,
    limit: LimitQuery = 5,
    accept_language: AcceptLanguage = None,
) -> Response:
    """Assess up to 100 workouts at once; a bad item gets its own problem, not a failed batch."""
    loaded = cache.get(content_version)
    chosen = negotiate_locale(locale, accept_language, loaded.locales, loaded.bundle.default_locale)
    results: list[dict[str, Any]] = []
    for index, item in enumerate(batch.items):
        try:
            context = _context_adapter.validate_python(item)
        except ValidationError as exc:
            results.append(
                ItemProblem(
                    type=PROBLEM_TYPE_BASE + "validation",
                    title="Unprocessable Content",
                    status=422,
                    detail=f"Item {index} is not a valid workout context.",
                    errors=validation_errors(exc.errors()),
                ).model_dump()
            )
            continue
        results.append(_assess(loaded, context, chosen, limit))
    body = {"content_version": loaded.version, "locale": chosen, "results": results}
    return JSONAnswer(orjson.dumps(body), chosen)


def hot_routes() -> list[APIRoute]:
    """The routes served by the fast lane (app.core.fastlane): the single assessment, which
    every workout calls; the batch and the rest take the framework's full path."""
    return [
        route
        for route in router.routes
        if isinstance(route, APIRoute) and route.endpoint is create_assessment
    ]
