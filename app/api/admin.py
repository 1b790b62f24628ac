"""The write side of the content store, for editors' keys (scope content:write)."""

from __future__ import annotations

import json
import threading
from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response

from app.api.admin_schemas import AuditEntry, AuditPage, ContentKind, ItemPatch
from app.api.authorization import Admin, ContentWriter
from app.api.deps import CacheDep, SessionDep
from app.audit import repository as audit_repository
from app.content import compare, drafts, publishing, staged_rollout
from app.content.schemas import (
    DraftCreate,
    PublishRequest,
    RollbackRequest,
    RolloutChange,
    RolloutStatus,
    ValidationReport,
    VersionDetail,
    VersionSummary,
)
from app.core.bounds import MAX_INT32
from app.core.errors import problem_responses
from app.core.models import as_utc, utcnow
from app.outcomes import service as outcomes_service
from app.outcomes.rollout import AutoAbortPolicy, RolloutWithOutcomes, rollout_report
from app.outcomes.schemas import ContentDiffWithOutcomes
from app.rules.bundle import Bundle

router = APIRouter(prefix="/v1/admin", tags=["admin"])

VersionPath = Annotated[int, Path(ge=1, le=MAX_INT32, description="A content version.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description=(
            "The draft's ETag. One that no longer matches answers 412, also when another "
            "request changes the draft while this one runs; without If-Match, losing that "
            "race answers 409."
        ),
    ),
]
_AUTH = (401, 403, 429, 503)


@router.post(
    "/content/versions",
    operation_id="create_draft",
    status_code=201,
    response_model=VersionDetail,
    responses=problem_responses(*_AUTH, 404, 409, 422),
)
def create_draft(
    principal: ContentWriter,
    session: SessionDep,
    response: Response,
    body: DraftCreate | None = None,
) -> VersionDetail:
    """Start a draft as a copy of a version (default: the current one)."""
    request = body or DraftCreate()
    detail = drafts.create_draft(
        session,
        base_version=request.base_version,
        notes=request.notes,
        actor=principal.name,
    )
    response.headers["ETag"] = detail.etag
    response.headers["Location"] = f"/v1/content/versions/{detail.version}"
    return detail


@router.put(
    "/content/versions/{version}",
    operation_id="replace_draft",
    response_model=VersionDetail,
    responses=problem_responses(*_AUTH, 404, 409, 412, 413, 422),
)
def replace_draft(
    version: VersionPath,
    bundle: Bundle,
    _writer: ContentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> VersionDetail:
    """Replace a draft's whole bundle."""
    detail = drafts.replace_draft(session, version, bundle, if_match)
    response.headers["ETag"] = detail.etag
    return detail


@router.patch(
    "/content/versions/{version}/{kind}/{item_id}",
    operation_id="patch_draft_item",
    response_model=VersionDetail,
    responses=problem_responses(*_AUTH, 404, 409, 412, 413, 422),
)
def patch_draft_item(
    version: VersionPath,
    kind: ContentKind,
    item_id: Annotated[str, Path(max_length=80)],
    changes: Annotated[ItemPatch, Body()],
    _writer: ContentWriter,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> VersionDetail:
    """Change one item of a draft (causes, tips, faqs, rules by cause id, red_flags)."""
    detail = drafts.patch_item(session, version, kind.value, item_id, changes, if_match)
    response.headers["ETag"] = detail.etag
    return detail


@router.delete(
    "/content/versions/{version}",
    operation_id="delete_draft",
    status_code=204,
    response_class=Response,
    responses=problem_responses(*_AUTH, 404, 409, 412, 422),
)
def delete_draft(
    version: VersionPath, _writer: ContentWriter, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a draft (published and archived versions are kept forever)."""
    drafts.delete_draft(session, version, if_match)
    return Response(status_code=204)


@router.post(
    "/content/versions/{version}/validate",
    operation_id="validate_version",
    response_model=ValidationReport,
    responses=problem_responses(*_AUTH, 404, 422),
)
def validate_version(
    version: VersionPath, _writer: ContentWriter, session: SessionDep
) -> ValidationReport:
    """List the problems and broken golden cases a publish would refuse, without publishing."""
    return publishing.validate_version(session, version)


# A publish's validation (compile, golden cases) is ~0.3 s of CPU under the GIL: ten at once
# in one process took ten shares of it, and the content follower got its turn seconds late.
# Publishes commit one at a time on the pointer's row lock anyway; in a process they now run
# so from the start, and a waiting one holds no database connection (its session has not
# touched the pool yet), where ten waiting on the row lock held the whole pool.
_ONE_PUBLISH_AT_A_TIME = threading.Lock()


@router.post(
    "/content/versions/{version}/publish",
    operation_id="publish_version",
    response_model=VersionSummary,
    responses=problem_responses(*_AUTH, 404, 409, 412, 422),
)
def publish_version(
    version: VersionPath,
    principal: ContentWriter,
    session: SessionDep,
    cache: CacheDep,
    body: PublishRequest | None = None,
    if_match: IfMatch = None,
) -> VersionSummary:
    """Validate a draft, run its golden cases, then make it current in one transaction (with
    `rollout_percent`: the canary for that share of callers; 409 while another one runs)."""
    request = body or PublishRequest()
    with _ONE_PUBLISH_AT_A_TIME:
        return publishing.publish(
            session,
            cache,
            version,
            actor=principal.name,
            notes=request.notes,
            force=request.force,
            reason=request.reason,
            if_match=if_match,
            rollout_percent=request.rollout_percent,
        )


@router.post(
    "/content/rollback",
    operation_id="rollback_content",
    response_model=VersionSummary,
    responses=problem_responses(*_AUTH, 404, 409, 422),
)
def rollback_content(
    body: RollbackRequest, principal: ContentWriter, session: SessionDep, cache: CacheDep
) -> VersionSummary:
    """Make an earlier published version current again (409 while a canary runs)."""
    return publishing.rollback(
        session, cache, body.to_version, actor=principal.name, reason=body.reason
    )


@router.get(
    "/content/rollout",
    operation_id="get_rollout",
    response_model=RolloutWithOutcomes,
    responses=problem_responses(*_AUTH),
)
def get_rollout(
    _writer: ContentWriter, session: SessionDep, request: Request
) -> RolloutWithOutcomes:
    """The staged rollout as the database has it: the canary, its share, the current version,
    and both versions' outcome rates side by side."""
    # content:write like the other editors' reads under /v1/admin (diff): every admin route
    # refuses a plain reader's key (tests/api/admin/test_auth.py).
    return rollout_report(session, AutoAbortPolicy.of(request.app.state.services.settings))


@router.post(
    "/content/rollout",
    operation_id="change_rollout",
    response_model=RolloutStatus,
    responses=problem_responses(*_AUTH, 404, 409, 422),
)
def change_rollout(
    body: RolloutChange, principal: ContentWriter, session: SessionDep, cache: CacheDep
) -> RolloutStatus:
    """Widen or narrow the running canary, or promote or abort it (409 when none runs)."""
    return staged_rollout.change_rollout(
        session,
        cache,
        percent=body.percent,
        action=body.action,
        canary_version=body.canary_version,
        actor=principal.name,
        reason=body.reason,
    )


@router.get(
    "/content/diff",
    operation_id="diff_content_versions",
    response_model=ContentDiffWithOutcomes,
    responses=problem_responses(*_AUTH, 404, 422),
)
def diff_content_versions(
    _writer: ContentWriter,
    session: SessionDep,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_INT32)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_INT32)],
) -> ContentDiffWithOutcomes:
    """What changed between two versions, item by item, which golden results moved, and the
    two versions' outcome rates side by side."""
    diff = compare.diff_versions(session, from_version, to_version)
    outcomes = outcomes_service.side_by_side(session, from_version, to_version)
    return ContentDiffWithOutcomes(**dict(diff), outcomes=outcomes)


@router.get(
    "/audit",
    operation_id="list_audit_events",
    response_model=AuditPage,
    responses=problem_responses(*_AUTH, 422),
)
def list_audit_events(
    _admin: Admin,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPage:
    """Publishes, rollbacks, forced publishes, rollout and key changes, newest first."""
    rows, total = audit_repository.page(session, limit=limit, offset=offset)
    return AuditPage(
        items=[
            AuditEntry(
                id=row.id or 0,
                created_at=as_utc(row.created_at) or utcnow(),
                actor=row.actor,
                action=row.action,
                version=row.version,
                reason=row.reason,
                details=json.loads(row.details_json),
            )
            for row in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
