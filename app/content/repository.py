"""Every query of the content store lives here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, text, update
from sqlmodel import Session, col, select

from app.content.models import ContentPointer, ContentVersion, VersionStatus
from app.core.models import utcnow


def get_version(session: Session, version: int) -> ContentVersion | None:
    return session.get(ContentVersion, version)


def version_status_and_checksum(session: Session, version: int) -> tuple[str, str] | None:
    """A version's status and checksum, without reading its bundle."""
    query = select(col(ContentVersion.status), col(ContentVersion.checksum)).where(
        col(ContentVersion.version) == version
    )
    row = session.exec(query).first()
    return None if row is None else (str(row[0]), str(row[1]))


def list_versions(session: Session, *, include_drafts: bool = True) -> Sequence[ContentVersion]:
    """Version metadata only (the bundles are not read), newest first."""
    columns = [c for c in ContentVersion.__table__.columns if c.name != "bundle_json"]  # type: ignore[attr-defined]
    query = select(*columns).order_by(col(ContentVersion.version).desc())
    if not include_drafts:
        query = query.where(col(ContentVersion.status) != VersionStatus.draft)
    rows = session.exec(query).all()
    return [ContentVersion.model_construct(**row._mapping, bundle_json="") for row in rows]


def published_versions(session: Session, versions: Iterable[int]) -> Sequence[ContentVersion]:
    """These versions, those of them published (one query, whole bundles)."""
    wanted = list(versions)
    if not wanted:
        return []
    return session.exec(
        select(ContentVersion)
        .where(col(ContentVersion.status) == VersionStatus.published)
        .where(col(ContentVersion.version).in_(wanted))
        .order_by(col(ContentVersion.version))
    ).all()


def published_numbers(session: Session) -> list[int]:
    """The numbers of the published versions, oldest first (no bundle is read)."""
    return [
        number
        for number in session.exec(
            select(ContentVersion.version)
            .where(col(ContentVersion.status) == VersionStatus.published)
            .order_by(col(ContentVersion.version))
        ).all()
        if number is not None
    ]


def get_pointer(session: Session) -> ContentPointer | None:
    return session.get(ContentPointer, 1)


def current_version(session: Session) -> int | None:
    """The current version as this transaction sees it."""
    pointer = get_pointer(session)
    return pointer.current_version if pointer is not None else None


def lock_pointer(session: Session) -> ContentPointer | None:
    """The pointer row (current version and any canary), locked until the transaction ends, so
    that a write deciding on it (a publish, a rollback, a rollout change, and the audit entry
    naming the previous version) cannot race another and never decides on a cached view.
    SQLite needs no row lock: its writes already start with BEGIN IMMEDIATE."""
    # populate_existing: the row as read under the lock, not a copy this session read before.
    query = select(ContentPointer).where(col(ContentPointer.id) == 1).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def count_versions(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(ContentVersion)).one())


def add_version(session: Session, version: ContentVersion) -> ContentVersion:
    """Insert a version numbered max + 1, so numbers stay consecutive on every database.

    On PostgreSQL a transaction-scoped advisory lock serialises the numbering (SQLite's
    BEGIN IMMEDIATE already does); a sequence would leave gaps and could disagree with
    explicitly numbered rows such as the bootstrap's version 1.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    if version.version is None:
        highest = session.exec(select(func.max(ContentVersion.version))).one()
        version.version = (highest or 0) + 1
    session.add(version)
    session.flush()
    return version


def move_pointer(session: Session, to_version: int) -> int:
    """Point at `to_version` and bump the generation; returns the new generation."""
    if get_pointer(session) is None:
        session.add(ContentPointer(id=1, current_version=to_version, generation=1))
        session.flush()
        return 1
    return _update_pointer(session, current_version=to_version)


def start_rollout(session: Session, canary_version: int, percent: int) -> int:
    """Name a canary and its share on the pointer; returns the new generation."""
    return _update_pointer(
        session, canary_version=canary_version, rollout_percent=percent, rollout_started_at=utcnow()
    )


def set_rollout_percent(session: Session, percent: int) -> int:
    return _update_pointer(session, rollout_percent=percent)


def promote_canary(session: Session, canary_version: int) -> int:
    """Make the canary current and end the rollout, in one UPDATE."""
    return _update_pointer(session, current_version=canary_version, **_NO_ROLLOUT)


def end_rollout(session: Session) -> int:
    return _update_pointer(session, **_NO_ROLLOUT)


_NO_ROLLOUT: dict[str, object] = {
    "canary_version": None,
    "rollout_percent": None,
    "rollout_started_at": None,
}


def _update_pointer(session: Session, **values: object) -> int:
    """Change the pointer and bump the generation; returns the new generation.

    Done as one UPDATE ... SET generation = generation + 1 so that two concurrent moves
    can never produce the same generation number.
    """
    session.execute(
        update(ContentPointer)
        .where(col(ContentPointer.id) == 1)
        .values(**values, generation=ContentPointer.generation + 1, updated_at=utcnow())
    )
    session.flush()
    pointer = get_pointer(session)
    assert pointer is not None
    session.refresh(pointer)
    return pointer.generation


def _update_unchanged_draft(session: Session, draft: ContentVersion, **values: object) -> bool:
    """One UPDATE of a draft that is still the revision the caller read; False if it is not
    (changed, published or deleted meanwhile)."""
    result = session.execute(
        update(ContentVersion)
        .where(col(ContentVersion.version) == draft.version)
        .where(col(ContentVersion.revision) == draft.revision)
        .where(col(ContentVersion.status) == VersionStatus.draft)
        .values(**values)
    )
    updated: bool = result.rowcount == 1  # type: ignore[attr-defined]
    return updated


def store_draft_bundle(
    session: Session, draft: ContentVersion, bundle_json: str, checksum: str
) -> bool:
    """Write a draft's new bundle if it is still the revision the caller read; False if not."""
    changed = _update_unchanged_draft(
        session,
        draft,
        bundle_json=bundle_json,
        checksum=checksum,
        revision=draft.revision + 1,
        updated_at=utcnow(),
    )
    if changed:
        session.refresh(draft)
    return changed


def mark_published(
    session: Session, draft: ContentVersion, *, actor: str, reason: str | None
) -> bool:
    """Publish a draft if it is still the revision the caller validated; False if not."""
    now = utcnow()
    return _update_unchanged_draft(
        session,
        draft,
        status=VersionStatus.published,
        published_at=now,
        published_by=actor,
        publish_reason=reason,
        updated_at=now,
    )


def delete_version(session: Session, version: ContentVersion) -> None:
    session.delete(version)
    session.flush()
