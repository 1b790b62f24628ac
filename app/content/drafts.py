"""Drafts: create, import, replace, patch (JSON merge patch) and delete.

Published and archived versions never change; only a draft is written, and only when
nobody else wrote it since it was read (the guarded UPDATE of `repository.store_draft_bundle`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.content import repository
from app.content.cache import bundle_checksum
from app.content.errors import (
    ConcurrentChange,
    InvalidChange,
    ItemNotFound,
    NoCurrentVersion,
    NotADraft,
    StaleRevision,
    UnknownKind,
)
from app.content.models import ContentVersion, VersionStatus
from app.content.schemas import VersionDetail
from app.content.versions import detail, existing, new_row, serialize_bundle, version_etag
from app.core.errors import DomainError, FieldError
from app.rules.bundle import BUNDLE_KINDS, Bundle


def import_draft(session: Session, bundle: Bundle, *, notes: str, actor: str) -> int:
    """Store a bundle from a file as a new draft."""
    row = repository.add_version(
        session, new_row(bundle, status=VersionStatus.draft, notes=notes, created_by=actor)
    )
    assert row.version is not None
    return row.version


def create_draft(
    session: Session, *, base_version: int | None, notes: str, actor: str
) -> VersionDetail:
    """A new draft copied from `base_version`, or from the current version as the database
    has it now (never a process's cached view, which may lag another worker's publish)."""
    current = repository.current_version(session)
    base_number = base_version if base_version is not None else current
    if base_number is None:
        raise NoCurrentVersion("There is no current version to copy.")
    base = existing(session, base_number)
    row = ContentVersion(
        status=VersionStatus.draft,
        notes=notes,
        base_version=base_number,
        bundle_json=base.bundle_json,
        checksum=base.checksum,
        created_by=actor,
    )
    repository.add_version(session, row)
    return detail(row, current)


def editable_draft(session: Session, version: int, if_match: str | None) -> ContentVersion:
    """The draft's row, provided it is a draft and `if_match` (when sent) names its ETag."""
    row = existing(session, version)
    if row.status != VersionStatus.draft:
        raise NotADraft(
            f"Version {version} is {row.status}; published and archived versions never "
            "change. Create a draft from it instead."
        )
    _check_if_match(row, if_match)
    return row


def _check_if_match(row: ContentVersion, if_match: str | None) -> None:
    if if_match is None:
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and version_etag(row) not in tags:
        raise StaleRevision(
            f"Version {row.version} changed since you read it (its ETag is now "
            f"{version_etag(row)}); fetch it again and reapply your change."
        )


def lost_race(version: int, if_match: str | None) -> DomainError:
    """Another request changed the draft between our read and our guarded write. With an
    If-Match that precondition has now failed: 412, as for one found stale on reading;
    without one, 409."""
    if if_match is None:
        return ConcurrentChange(version)
    return StaleRevision(
        f"Version {version} was changed by another request after your If-Match was "
        "checked; fetch it again and reapply your change."
    )


def _store_draft_bundle(
    session: Session, row: ContentVersion, bundle: Bundle, if_match: str | None
) -> VersionDetail:
    """Write a draft's new bundle only if nobody else wrote it meanwhile."""
    data = serialize_bundle(bundle)
    if not repository.store_draft_bundle(session, row, data, bundle_checksum(data)):
        assert row.version is not None
        raise lost_race(row.version, if_match)
    return detail(row, repository.current_version(session))


def replace_draft(
    session: Session, version: int, bundle: Bundle, if_match: str | None
) -> VersionDetail:
    row = editable_draft(session, version, if_match)
    return _store_draft_bundle(session, row, bundle, if_match)


def patch_item(
    session: Session,
    version: int,
    kind: str,
    item_id: str,
    changes: dict[str, Any],
    if_match: str | None,
) -> VersionDetail:
    """Merge `changes` into one item of a draft (JSON merge patch, RFC 7396)."""
    if kind not in BUNDLE_KINDS:
        raise UnknownKind(f"Unknown kind {kind!r}; kinds: {', '.join(BUNDLE_KINDS)}.")
    row = editable_draft(session, version, if_match)
    document = json.loads(row.bundle_json)
    id_attr = BUNDLE_KINDS[kind]
    items: list[dict[str, Any]] = document[kind]
    index = next((i for i, item in enumerate(items) if item.get(id_attr) == item_id), None)
    if index is None:
        raise ItemNotFound(f"Version {version} has no {kind} item {item_id!r}.")
    items[index] = _patched_item(items[index], changes, id_attr, item_id)
    return _store_draft_bundle(session, row, _patched_bundle(document), if_match)


def _patched_item(
    item: dict[str, Any], changes: dict[str, Any], id_attr: str, item_id: str
) -> dict[str, Any]:
    """The item with `changes` merged in; its id is the one thing a patch may not change."""
    patched: dict[str, Any] = merge_patch(item, changes)
    if patched.get(id_attr) != item_id:
        raise InvalidChange(
            f"The {id_attr} of an item cannot be changed by PATCH.",
            errors=[FieldError(loc=id_attr, message="must stay " + item_id)],
        )
    return patched


def _patched_bundle(document: dict[str, Any]) -> Bundle:
    try:
        return Bundle.model_validate(document)
    except ValidationError as exc:
        raise InvalidChange(
            "The patched item does not fit the bundle schema.",
            errors=[
                FieldError(loc=".".join(str(p) for p in e["loc"]), message=e["msg"])
                for e in exc.errors()
            ],
        ) from exc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def delete_draft(session: Session, version: int, if_match: str | None) -> None:
    row = editable_draft(session, version, if_match)
    repository.delete_version(session, row)
