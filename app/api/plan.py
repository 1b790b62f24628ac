"""The plan of a published version: what an app needs to answer on the phone, offline.

The plan (`app.rules.plan`, its JSON Schema in `app/rules/plan.schema.json`) describes the
version's whole meaning in one locale: rules, conditions, texts, tips and the answer's
selection rules. A published version never changes, so neither does its plan: it is made
once per process and locale, and served with an ETag, as immutable.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.api.authorization import ContentReader
from app.api.content_http import PINNED_MAX_AGE, LocaleQuery, if_none_match_holds
from app.api.deps import ServicesDep, catch_up_with_client
from app.content.views import make_etag
from app.core.bounds import MAX_INT32
from app.core.errors import problem_responses
from app.core.locale import negotiate_locale
from app.rules.plan import PLAN_FORMAT

router = APIRouter(prefix="/v1", tags=["content"])


class PlanDocument(BaseModel):
    """A version's compiled plan in one locale. Only the envelope is typed here: the whole
    format is the JSON Schema `app/rules/plan.schema.json` of the repository, which an
    evaluator (such as the npm package in `clients/engine`) reads."""

    model_config = ConfigDict(extra="allow")

    plan_format: int = Field(description="The format's number: an evaluator refuses others.")
    content_version: int
    locale: str


_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the plan named by If-None-Match is current."}
}


@router.get(
    "/content/versions/{version}/plan",
    operation_id="get_content_plan",
    response_model=PlanDocument,
    responses={**_NOT_MODIFIED, **problem_responses(401, 403, 404, 422, 429)},
)
async def get_content_plan(
    version: Annotated[int, Path(ge=1, le=MAX_INT32, description="A published version.")],
    request: Request,
    services: ServicesDep,
    _reader: ContentReader,
    locale: LocaleQuery = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Get a published version's plan in one locale, to answer assessments on a device with
    the same answers as `POST /v1/assessments` (e.g. offline). A few hundred KB, ~40 KB
    gzipped; keep it and send its ETag in If-None-Match: a pinned version's plan never
    changes."""
    await catch_up_with_client(services, None, version)
    loaded = services.cache.get(version)
    chosen = negotiate_locale(locale, accept_language, loaded.locales, loaded.bundle.default_locale)
    etag = make_etag("plan", PLAN_FORMAT, loaded.version, loaded.checksum, chosen)
    headers = {
        "ETag": etag,
        "Cache-Control": PINNED_MAX_AGE,
        "Content-Language": chosen,
        "Vary": "Accept-Language",
    }
    if if_none_match_holds(request, etag):
        return Response(status_code=304, headers=headers)
    body = loaded.plans.get(chosen)
    if body is None:  # about 15 ms the first time: off the event loop
        body = await run_in_threadpool(loaded.plan, chosen)
    return Response(body, media_type="application/json", headers=headers)
