"""HTTP for assessments: parse the context, pick version and locale, call the engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, WithJsonSchema
from typing_extensions import TypeAliasType

from app.api.authorization import authorize_optional
from app.api.deps import catch_up_with_client
from app.api.identity import rollout_identity
from app.api.parameters import BEARER_SECURITY, CLIENT_ID_PARAMETER, SEEN_VERSION_PARAMETER
from app.api.rate_limits import charge_items
from app.auth.scopes import Scope
from app.auth.service import Principal
from app.content.cache import ContentCache, LoadedVersion
from app.core.bounds import MAX_INT32
from app.core.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    FieldError,
    Problem,
    Unprocessable,
    UnsupportedMediaType,
    problem_responses,
    validation_errors,
)
from app.core.fastlane import read_body
from app.core.headers import header
from app.core.locale import negotiate_locale
from app.core.metrics import count_assessment
from app.core.openapi import REF_TEMPLATE, json_body, query_parameters
from app.core.query import refuse_repeated
from app.outcomes.issuer import AnswerStamper
from app.rules.schemas import AssessmentResponse, Triage
from app.workout.context import WorkoutContext
from app.workout.lenient import (
    MAX_LISTED,
    InputIssue,
    IssueCode,
    as_errors,
    as_warnings,
    name_symptom_words,
    read_leniently,
)

router = APIRouter(prefix="/v1", tags=["assessments"])
Endpoint = Callable[[Request], Awaitable[Response]]

MAX_BATCH_ITEMS = 100
_context_adapter: TypeAdapter[WorkoutContext] = TypeAdapter(WorkoutContext)


# Each item is read leniently on its own (a bad one becomes a problem in place), so the
# model takes plain objects; the spec types them as the workout contexts they must be.
_BATCH_ITEMS_SCHEMA = {
    "type": "array",
    "items": {"$ref": REF_TEMPLATE.format(model=WorkoutContext.__name__)},
    "minItems": 1,
    "maxItems": MAX_BATCH_ITEMS,
    "description": "Workout contexts (the same shape as POST /v1/assessments takes).",
}


class BatchRequest(BaseModel):
    """Up to 100 workout contexts, assessed independently."""

    items: Annotated[list[dict[str, Any]], WithJsonSchema(_BATCH_ITEMS_SCHEMA)] = Field(
        min_length=1, max_length=MAX_BATCH_ITEMS
    )


_TRIAGE_OF_UNUSABLE_BODY = (
    "Present when the body cannot be assessed as a whole but still shows a red flag: show "
    "this triage (e.g. seek care now) even though there is no ranking."
)


class AssessmentProblem(Problem):
    """A 422 for an assessment; it carries the triage when the body still shows a red flag."""

    triage: Triage | None = Field(default=None, description=_TRIAGE_OF_UNUSABLE_BODY)


class ItemProblem(BaseModel):
    """A batch item that could not be assessed; the other items are unaffected."""

    kind: Literal["problem"] = Field(
        description="Always `problem`: tells it from an assessment among the `results`."
    )
    type: str
    title: str
    status: int = Field(ge=100, le=599)
    detail: str
    errors: list[FieldError]
    triage: Triage | None = Field(default=None, description=_TRIAGE_OF_UNUSABLE_BODY)


# Named, so the spec's last pass (app.core.openapi_sdk) can give SDKs one class for it.
BatchResult = TypeAliasType(
    "BatchResult",
    Annotated[
        AssessmentResponse | ItemProblem,
        Field(discriminator="kind", description="The answer for one item of a batch."),
    ],
)


class BatchResponse(BaseModel):
    """One result per item, in the order of the request."""

    content_version: int
    locale: str
    results: list[BatchResult] = Field(
        description="One result per item, in the order of the request."
    )


def _assess(
    stamper: AnswerStamper,
    loaded: LoadedVersion,
    context: WorkoutContext,
    issues: tuple[InputIssue, ...],
    locale: str,
    limit: int,
    explain: bool = False,
) -> dict[str, Any]:
    payload = loaded.engine.assess_payload(
        context,
        locale=locale,
        limit=limit,
        assessment_id="",
        explain=explain,
        unknown_words=unknown_words(issues) if issues else (),
    )
    # The id names what the answer shows, so it is made once the answer is built.
    stamper.stamp(loaded, payload)
    if issues:  # the fields left out come first: they are the ones to fix
        payload["warnings"] = as_warnings(issues, locale) + payload["warnings"]
    causes = payload["causes"]
    count_assessment(payload["triage"]["level"], causes[0]["id"] if causes else "none")
    return payload


def _red_flag_triage(
    loaded: LoadedVersion, context: WorkoutContext | None, locale: str, words: list[str]
) -> dict[str, Any] | None:
    """The triage of a body that cannot be assessed, when it shows a red flag (or a symptom
    word that could not be read: never a reassurance)."""
    if context is None:
        return None
    triage: dict[str, Any] = loaded.engine.assess_payload(
        context, locale=locale, limit=1, assessment_id="", unknown_words=words
    )["triage"]
    return triage if triage["reasons"] else None


def unknown_words(issues: tuple[InputIssue, ...]) -> list[str]:
    """The symptom words a request held that could not be read ("" for one not shown)."""
    return [issue.value or "" for issue in issues if issue.code is IssueCode.unknown_symptom]


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
        le=MAX_INT32,
        description="Pin a published content version; default: current.",
    )
    locale: str | None = Field(
        default=None,
        max_length=35,
        pattern=r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$",
        description="Locale of the texts, e.g. en or es-MX; default from Accept-Language.",
    )
    limit: int = Field(default=5, ge=1, le=50, description="How many causes to return.")
    strict: bool = Field(
        default=False,
        description=(
            "Refuse the request (422) on any unknown or invalid field, as v1 did. By default "
            "such optional fields are left out and reported in `warnings`."
        ),
    )
    explain: Literal["counterfactuals"] | None = Field(
        default=None,
        description=(
            "`counterfactuals`: work out each cause's `counterfactuals` (what would have "
            "helped). They cost a search over the rules, so by default every cause carries "
            "an empty list."
        ),
    )


_DEFAULT_QUERY = AssessmentQuery()
_query_adapter: TypeAdapter[AssessmentQuery] = TypeAdapter(AssessmentQuery)
_QUERY_NAMES = frozenset(AssessmentQuery.model_fields)
JSON_TYPES = ("application/json", "application/merge-patch+json")
# A body of more values than this is refused before it is parsed (a workout has about 40, a
# batch of 100 full ones about 5,000; a list of 10,000 body parts is still read, and left
# out with a warning); only bodies above the size are counted, so a workout's body is never
# even looked at for it.
MAX_BODY_VALUES = 20_000
COUNTED_ABOVE_BYTES = 65_536
TOO_MANY_VALUES = f"holds more than {MAX_BODY_VALUES:,} values (counted by its commas and brackets)"


def _parse_query(request: Request) -> AssessmentQuery:
    if not request.scope["query_string"]:
        return _DEFAULT_QUERY
    refuse_repeated(request.query_params, _QUERY_NAMES)
    try:
        return _query_adapter.validate_python(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("query", *err["loc"])} for err in exc.errors()]
        ) from exc


async def _catch_up(request: Request, query: AssessmentQuery) -> None:
    seen = None if query.content_version else header(request.scope, "x-content-version-seen")
    await catch_up_with_client(request.app.state.services, seen, query.content_version)


def _version_and_locale(
    request: Request, query: AssessmentQuery, principal: Principal
) -> tuple[LoadedVersion, str]:
    """The content version asked for (404 when it is not published), else the current one
    or, while a canary runs, the one the caller's bucket gets; and the answer's locale."""
    cache: ContentCache = request.app.state.services.cache
    serving = cache.serving  # one read: current, canary and share of the same pointer state
    if serving.canary is None or query.content_version is not None:
        loaded = cache.get(query.content_version)
    else:
        loaded = serving.pick(rollout_identity(request, principal))
    chosen = negotiate_locale(
        query.locale,
        header(request.scope, "accept-language"),
        loaded.locales,
        loaded.bundle.default_locale,
    )
    return loaded, chosen


async def _read_json(request: Request) -> bytes:
    """The body of a request that must be JSON (415 otherwise)."""
    content_type = header(request.scope, "content-type") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the workout context as application/json (got {media_type or 'no type'!r})."
        )
    body = await read_body(request)
    # Counting a megabyte's commas and brackets takes a few milliseconds; parsing the same
    # body's 100,000 values (or 500,000 nested lists) 80 to 200 ms of the event loop, on
    # which every other client waits.
    if len(body) > COUNTED_ABOVE_BYTES and _values(body) >= MAX_BODY_VALUES:
        raise Unprocessable(
            "The request is not valid: body.",
            errors=[FieldError(loc="body", message=TOO_MANY_VALUES)],
        )
    return body


def _values(body: bytes) -> int:
    """Roughly how many values a JSON text holds: one per comma, object and array."""
    return body.count(b",") + body.count(b"[") + body.count(b"{")


def _read_context(
    body: bytes | dict[str, Any], loaded: LoadedVersion, locale: str, strict: bool
) -> tuple[WorkoutContext, tuple[InputIssue, ...]]:
    """The context, and the optional fields left out of it (app.workout.lenient).

    A valid body takes one pass of pydantic's JSON parser. Otherwise (and with `strict`)
    the 422 carries the triage whenever what is left of the body shows a red flag.
    """
    try:
        if isinstance(body, bytes):
            return WorkoutContext.model_validate_json(body), ()
        return _context_adapter.validate_python(body), ()
    except ValidationError as exc:
        failed = exc
    try:
        data = orjson.loads(body) if isinstance(body, bytes) else body
    except orjson.JSONDecodeError:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in failed.errors()[:MAX_LISTED]]
        ) from None
    synonyms = loaded.engine.synonyms(locale)
    if strict:
        # Strict refuses any bad field, but a symptom said in other words is not one.
        named = name_symptom_words(data, synonyms)
        if named is not None:
            try:
                return _context_adapter.validate_python(named), ()
            except ValidationError as exc:
                failed = exc
    read = read_leniently(data, synonyms)
    if read.context is not None and not strict:
        return read.context, read.issues
    # Pydantic's own errors with `strict`, unless there are so many that listing them would
    # cost more than the answer is worth (a body of 100,000 unknown fields): then the lenient
    # read's, as many as a warning list holds.
    if strict and failed.error_count() > MAX_LISTED:
        errors = as_errors(read.fatal, read.issues)
    elif strict or not read.fatal:
        errors = failed.errors()
    else:
        errors = list(read.fatal)
    raise Unassessable(
        validation_errors(errors),
        _red_flag_triage(loaded, read.for_red_flags, locale, unknown_words(read.issues)),
    )


class Unassessable(Unprocessable):
    """A body that cannot be assessed; its problem carries the triage of any red flag."""

    def __init__(self, errors: list[FieldError], triage: dict[str, Any] | None) -> None:
        named = ", ".join(dict.fromkeys(e.loc for e in errors[:5]))
        super().__init__(
            f"The request is not valid: {named}.",
            errors=errors,
            extra={"triage": triage} if triage is not None else None,
        )
        self.triage = triage


def _assessment_route(
    path: str, operation_id: str, answer: type[BaseModel], body: type[BaseModel]
) -> Callable[[Endpoint], Endpoint]:
    """Declare an assessment route that parses its own query and body (see the fast lane):
    the spec still describes both, and the errors every assessment can answer."""
    return router.post(
        path,
        operation_id=operation_id,
        response_model=answer,
        responses={
            **problem_responses(401, 403, 404, 413, 415, 429, 503),
            422: {
                "model": AssessmentProblem,
                "description": "Unprocessable Content (with the triage of any red flag)",
                "content": {
                    PROBLEM_MEDIA_TYPE: {
                        "schema": {"$ref": "#/components/schemas/AssessmentProblem"}
                    }
                },
            },
        },
        openapi_extra={
            "parameters": [
                *query_parameters(AssessmentQuery),
                SEEN_VERSION_PARAMETER,
                CLIENT_ID_PARAMETER,
            ],
            "requestBody": json_body(body),
            "security": [*BEARER_SECURITY, {}],  # REQUIRE_API_KEYS decides
        },
    )


@_assessment_route("/assessments", "create_assessment", AssessmentResponse, WorkoutContext)
async def create_assessment(request: Request) -> Response:
    """Rank the likely causes of leg shaking for one workout, with tips and a triage level.

    The hot path of the service: the body and query are parsed here rather than by FastAPI's
    dependency machinery, and the answer is serialised once, straight to bytes.

    Limits of a body: one over 64 KiB holding more than 20,000 values (commas and brackets)
    is refused unparsed (422 naming `body`); a body nests at most 8 levels deep and a known
    field's value holds at most 1,000 entries; a field beyond either is left out with a
    warning (a 422 naming it for `activity.type`, `activity.duration_min` and
    `symptoms.associated`). Unknown fields are never read; at most 20 warnings (or a 422's
    errors) are listed, one more counts the rest.
    """
    principal = await authorize_optional(request, Scope.assess)
    query = _parse_query(request)
    await _catch_up(request, query)
    loaded, chosen = _version_and_locale(request, query, principal)
    body = await _read_json(request)
    context, issues = _read_context(body, loaded, chosen, query.strict)
    stamper = request.app.state.services.stamper
    explain = query.explain is not None
    answer = _assess(stamper, loaded, context, issues, chosen, query.limit, explain)
    return JSONAnswer(orjson.dumps(answer), chosen)


@_assessment_route("/assessments:batch", "create_assessment_batch", BatchResponse, BatchRequest)
async def create_assessment_batch(request: Request) -> Response:
    """Assess up to 100 workouts at once; a bad item gets its own problem, not a failed batch.

    Every item counts against the assess rate limit; a batch whose items do not fit in what
    is left of the window is refused whole (429 with Retry-After) and costs one request.
    Each item is read with the limits of a single body (see POST /v1/assessments), and the
    batch's body too is refused unparsed over 64 KiB with more than 20,000 values.
    """
    principal = await authorize_optional(request, Scope.assess)
    query = _parse_query(request)
    body = await _read_json(request)
    await _catch_up(request, query)
    loaded, chosen = _version_and_locale(request, query, principal)
    items = _batch_items(body, loaded, chosen, query.strict)
    await charge_items(request, Scope.assess, principal, len(items))
    stamper = request.app.state.services.stamper
    results = [
        _assess(stamper, loaded, *item, chosen, query.limit, query.explain is not None)
        if isinstance(item, tuple)
        else item
        for item in items
    ]
    answer = {"content_version": loaded.version, "locale": chosen, "results": results}
    return JSONAnswer(orjson.dumps(answer), chosen)


class _ValidBatch(BaseModel):
    """The common case, validated in one pass of pydantic's JSON parser: every item valid."""

    items: list[WorkoutContext] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


_Item = tuple[WorkoutContext, tuple[InputIssue, ...]] | dict[str, Any]


def _batch_items(body: bytes, loaded: LoadedVersion, locale: str, strict: bool) -> list[_Item]:
    """Each item as a context with the fields left out of it, or as its problem when it
    cannot be assessed (read like a single body).

    Tries the whole batch in one pass first; only a batch with a bad item is taken apart and
    read item by item, so that each bad item gets its own problem.
    """
    try:
        return [(item, ()) for item in _ValidBatch.model_validate_json(body).items]
    except ValidationError:
        pass
    try:
        batch = BatchRequest.model_validate_json(body)
    except ValidationError as exc:  # not a batch at all: the whole request is refused
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        ) from exc
    items: list[_Item] = []
    for index, item in enumerate(batch.items):
        try:
            items.append(_read_context(item, loaded, locale, strict))
        except Unassessable as exc:
            problem = ItemProblem(
                kind="problem",
                type=PROBLEM_TYPE_BASE + "validation",
                title="Unprocessable Content",
                status=422,
                detail=f"Item {index} is not a valid workout context.",
                errors=exc.errors or [],
                triage=Triage.model_validate(exc.triage) if exc.triage else None,
            )
            items.append(problem.model_dump(exclude_none=True))
    return items


def hot_routes() -> list[APIRoute]:
    """The routes served by the fast lane (app.core.fastlane): the assessments, which every
    workout calls; the rest of the API takes the framework's full path."""
    hot = (create_assessment, create_assessment_batch)
    return [
        route for route in router.routes if isinstance(route, APIRoute) and route.endpoint in hot
    ]
