"""Stored versions as the lifecycle reads them: the stored form of a bundle, a version's
ETag, summary and detail, and the lookups every write starts from."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlmodel import Session

from app.content import repository
from app.content.cache import bundle_checksum
from app.content.errors import VersionNotFound
from app.content.models import ContentVersion, VersionStatus
from app.content.schemas import VersionDetail, VersionSummary
from app.core.models import as_utc, utcnow
from app.rules.bundle import Bundle


def serialize_bundle(bundle: Bundle) -> str:
    """The stored form: canonical JSON, so equal bundles have equal checksums."""
    return json.dumps(
        bundle.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def new_row(
    bundle: Bundle,
    *,
    status: VersionStatus,
    notes: str,
    base_version: int | None = None,
    created_by: str | None = None,
) -> ContentVersion:
    """A version row holding `bundle` in its stored form (not added to any session)."""
    data = serialize_bundle(bundle)
    return ContentVersion(
        status=status,
        notes=notes,
        base_version=base_version,
        bundle_json=data,
        checksum=bundle_checksum(data),
        created_by=created_by,
    )


def version_etag(row: ContentVersion) -> str:
    return f'"v{row.version}-r{row.revision}-{row.checksum[:12]}"'


def summary(row: ContentVersion, current: int | None) -> VersionSummary:
    return VersionSummary(
        version=row.version or 0,
        status=row.status,
        notes=row.notes,
        base_version=row.base_version,
        created_at=as_utc(row.created_at) or utcnow(),
        updated_at=as_utc(row.updated_at) or utcnow(),
        published_at=as_utc(row.published_at),
        published_by=row.published_by,
        is_current=row.version == current,
    )


def detail(row: ContentVersion, current: int | None) -> VersionDetail:
    base = summary(row, current)
    return VersionDetail(
        **base.model_dump(),
        etag=version_etag(row),
        bundle=Bundle.model_validate_json(row.bundle_json),
    )


def existing(session: Session, version: int) -> ContentVersion:
    """The version's row; VersionNotFound when there is none."""
    row = repository.get_version(session, version)
    if row is None:
        raise VersionNotFound(version)
    return row


def stored_bundle(session: Session, version: int) -> Bundle:
    return Bundle.model_validate_json(existing(session, version).bundle_json)


def version_summaries(session: Session, *, include_drafts: bool) -> list[VersionSummary]:
    current = repository.current_version(session)
    return [
        summary(row, current)
        for row in repository.list_versions(session)
        if include_drafts or row.status != VersionStatus.draft
    ]


def version_detail(
    session: Session, version: int, *, check_draft_reader: Callable[[], None]
) -> VersionDetail:
    """A version with its bundle; for a draft, `check_draft_reader` must let the caller see it
    (it raises when the caller may not)."""
    row = existing(session, version)
    if row.status == VersionStatus.draft:
        check_draft_reader()
    return detail(row, repository.current_version(session))
