"""The read API of the content store: causes, tips, FAQs and versions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request, Response
from fastapi.types import DecoratedCallable
from pydantic import BaseModel

from app.api.authorization import ContentReader, DraftReaderCheck
from app.api.content_http import ReadContext, ReadContextDep, not_modified_or_tag
from app.api.deps import SessionDep
from app.api.parameters import SEEN_VERSION_PARAMETER
from app.content import versions
from app.content.schemas import (
    CauseDetail,
    CauseList,
    FaqList,
    TipDetail,
    TipList,
    VersionDetail,
    VersionSummary,
)
from app.core.bounds import MAX_INT32
from app.core.errors import NotFound, ProblemError, problem_responses

router = APIRouter(prefix="/v1", tags=["content"])

_READ_ERRORS = problem_responses(401, 403, 404, 422, 429)
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the copy named by If-None-Match is current."}
}


def _read_route(
    path: str, operation_id: str, answer: type[BaseModel]
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a read of the current (or pinned) content: ETag, 304 and the read errors."""
    return router.get(
        path,
        operation_id=operation_id,
        response_model=answer,
        responses={**_NOT_MODIFIED, **_READ_ERRORS},
        # read_context validates the header (FastAPI's Header); declared here as everywhere
        openapi_extra={"parameters": [SEEN_VERSION_PARAMETER]},
    )


def _listing(ctx: ReadContext, ids: list[str]) -> dict[str, Any]:
    """The fields every read answer starts with: version, locale and the fallen items."""
    view = ctx.view
    return {
        "content_version": ctx.loaded.version,
        "locale": view.locale,
        "fallback_items": [i for i in ids if i in view.fallback_ids],
    }


_Item = TypeVar("_Item")


def _find(ctx: ReadContext, kind: str, by_id: Mapping[str, _Item], item_id: str) -> _Item:
    item = by_id.get(item_id)
    if item is None:
        raise NotFound(f"No {kind} {item_id!r} in content version {ctx.loaded.version}.")
    return item


@_read_route("/causes", "list_causes", CauseList)
def list_causes(request: Request, response: Response, ctx: ReadContextDep) -> CauseList | Response:
    """List the causes of leg shaking in the current (or pinned) content version."""
    if (early := not_modified_or_tag(request, response, ctx, "causes")) is not None:
        return early
    view = ctx.view
    ids = [c.id for c in view.causes]
    return CauseList(**_listing(ctx, ids), causes=view.causes)


@_read_route("/causes/{cause_id}", "get_cause", CauseDetail)
def get_cause(
    cause_id: Annotated[str, Path(max_length=64, description="The cause's id.")],
    request: Request,
    response: Response,
    ctx: ReadContextDep,
) -> CauseDetail | Response:
    """Get one cause by id."""
    cause = _find(ctx, "cause", ctx.view.causes_by_id, cause_id)
    if (early := not_modified_or_tag(request, response, ctx, "cause", cause_id)) is not None:
        return early
    return CauseDetail(**_listing(ctx, [cause_id]), cause=cause)


@_read_route("/tips", "list_tips", TipList)
def list_tips(request: Request, response: Response, ctx: ReadContextDep) -> TipList | Response:
    """List the prevention tips."""
    if (early := not_modified_or_tag(request, response, ctx, "tips")) is not None:
        return early
    view = ctx.view
    ids = [t.id for t in view.tips]
    return TipList(**_listing(ctx, ids), tips=view.tips)


@_read_route("/tips/{tip_id}", "get_tip", TipDetail)
def get_tip(
    tip_id: Annotated[str, Path(max_length=64, description="The tip's id.")],
    request: Request,
    response: Response,
    ctx: ReadContextDep,
) -> TipDetail | Response:
    """Get one prevention tip by id."""
    tip = _find(ctx, "tip", ctx.view.tips_by_id, tip_id)
    if (early := not_modified_or_tag(request, response, ctx, "tip", tip_id)) is not None:
        return early
    return TipDetail(**_listing(ctx, [tip_id]), tip=tip)


@_read_route("/faqs", "list_faqs", FaqList)
def list_faqs(request: Request, response: Response, ctx: ReadContextDep) -> FaqList | Response:
    """List the frequently asked questions."""
    if (early := not_modified_or_tag(request, response, ctx, "faqs")) is not None:
        return early
    view = ctx.view
    ids = [f.id for f in view.faqs]
    return FaqList(**_listing(ctx, ids), faqs=view.faqs)


@router.get(
    "/content/versions",
    operation_id="list_content_versions",
    response_model=list[VersionSummary],
    responses=problem_responses(401, 403, 429, 503),
)
def list_content_versions(
    session: SessionDep, _reader: ContentReader, check_draft_reader: DraftReaderCheck
) -> list[VersionSummary]:
    """List content versions, newest first, with the current one marked; drafts (and their
    notes) are listed only for a key with content:write, as they are shown."""
    try:
        check_draft_reader()
    except ProblemError:
        return versions.version_summaries(session, include_drafts=False)
    return versions.version_summaries(session, include_drafts=True)


@router.get(
    "/content/versions/{version}",
    operation_id="get_content_version",
    response_model=VersionDetail,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
def get_content_version(
    version: Annotated[int, Path(ge=1, le=MAX_INT32, description="A content version.")],
    session: SessionDep,
    response: Response,
    _reader: ContentReader,
    check_draft_reader: DraftReaderCheck,
) -> VersionDetail:
    """Get a version's whole bundle; drafts need a key with content:write."""
    detail = versions.version_detail(session, version, check_draft_reader=check_draft_reader)
    response.headers["ETag"] = detail.etag
    return detail
