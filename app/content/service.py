"""The content lifecycle: bootstrap, drafts, validation, publish, rollback, diff.

Every state change happens in one transaction together with its audit record, and
the in-memory cache of this process is updated only after the commit succeeded, so a
failed publish leaves the database and every process exactly as they were.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.audit import service as audit
from app.content import repository
from app.content.cache import (
    ContentCache,
    LoadedVersion,
    Serving,
    build_loaded,
    bundle_checksum,
)
from app.content.diff import ContentDiff, GoldenCaseChange, diff_items
from app.content.errors import (
    AlreadyCurrent,
    ConcurrentChange,
    InvalidChange,
    ItemNotFound,
    NoCurrentVersion,
    NoRollout,
    NotADraft,
    NotPublished,
    RolloutRunning,
    StaleRevision,
    StaleRollout,
    UnknownKind,
    VersionNotFound,
)
from app.content.models import ContentPointer, ContentVersion, VersionStatus
from app.content.rollout import MAX_PERCENT, MIN_PERCENT
from app.content.schemas import (
    GoldenCaseFailure,
    RolloutAction,
    RolloutStatus,
    ValidationReport,
    VersionDetail,
    VersionSummary,
)
from app.content.validation import check_bundle
from app.core.errors import DomainError, FieldError
from app.core.metrics import CONTENT_EVENTS
from app.core.models import as_utc, utcnow
from app.rules.bundle import BUNDLE_KINDS, Bundle
from app.rules.golden import run_golden_case
from app.webhooks import outbox
from app.webhooks.schemas import EventType

logger = logging.getLogger("app.content")


def serialize_bundle(bundle: Bundle) -> str:
    """The stored form: canonical JSON, so equal bundles have equal checksums."""
    return json.dumps(
        bundle.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
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


# --- reading ---------------------------------------------------------------------------


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
    row = _existing(session, version)
    if row.status == VersionStatus.draft:
        check_draft_reader()
    return _detail(row, repository.current_version(session))


def _existing(session: Session, version: int) -> ContentVersion:
    row = repository.get_version(session, version)
    if row is None:
        raise VersionNotFound(version)
    return row


def _detail(row: ContentVersion, current: int | None) -> VersionDetail:
    base = summary(row, current)
    return VersionDetail(
        **base.model_dump(),
        etag=version_etag(row),
        bundle=Bundle.model_validate_json(row.bundle_json),
    )


# --- bootstrap, import, export ---------------------------------------------------------


def bootstrap(session: Session, bundle: Bundle, *, actor: str = "system") -> int | None:
    """On an empty store, publish `bundle` as version 1; returns it, or None if not empty."""
    if repository.count_versions(session) > 0:
        return None
    row = _new_row(bundle, status=VersionStatus.published, notes="Bundled default content")
    row.version = 1
    row.published_at = utcnow()
    row.published_by = actor
    row.publish_reason = "initial content"
    repository.add_version(session, row)
    repository.move_pointer(session, 1)
    audit.record(session, actor=actor, action="publish", version=1, reason="initial content")
    return 1


def _new_row(
    bundle: Bundle,
    *,
    status: VersionStatus,
    notes: str,
    base_version: int | None = None,
    created_by: str | None = None,
) -> ContentVersion:
    data = serialize_bundle(bundle)
    return ContentVersion(
        status=status,
        notes=notes,
        base_version=base_version,
        bundle_json=data,
        checksum=bundle_checksum(data),
        created_by=created_by,
    )


def import_draft(session: Session, bundle: Bundle, *, notes: str, actor: str) -> int:
    """Store a bundle from a file as a new draft."""
    row = repository.add_version(
        session, _new_row(bundle, status=VersionStatus.draft, notes=notes, created_by=actor)
    )
    assert row.version is not None
    return row.version


def stored_bundle(session: Session, version: int) -> Bundle:
    return Bundle.model_validate_json(_existing(session, version).bundle_json)


# --- drafts ------------------------------------------------------------------------------


def create_draft(
    session: Session, *, base_version: int | None, notes: str, actor: str
) -> VersionDetail:
    """A new draft copied from `base_version`, or from the current version as the database
    has it now (never a process's cached view, which may lag another worker's publish)."""
    current = repository.current_version(session)
    base_number = base_version if base_version is not None else current
    if base_number is None:
        raise NoCurrentVersion("There is no current version to copy.")
    base = _existing(session, base_number)
    row = ContentVersion(
        status=VersionStatus.draft,
        notes=notes,
        base_version=base_number,
        bundle_json=base.bundle_json,
        checksum=base.checksum,
        created_by=actor,
    )
    repository.add_version(session, row)
    return _detail(row, current)


def _editable_draft(session: Session, version: int, if_match: str | None) -> ContentVersion:
    row = _existing(session, version)
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


def _lost_race(version: int, if_match: str | None) -> DomainError:
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
        raise _lost_race(row.version, if_match)
    return _detail(row, repository.current_version(session))


def replace_draft(
    session: Session, version: int, bundle: Bundle, if_match: str | None
) -> VersionDetail:
    row = _editable_draft(session, version, if_match)
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
    row = _editable_draft(session, version, if_match)
    document = json.loads(row.bundle_json)
    id_attr = BUNDLE_KINDS[kind]
    items: list[dict[str, Any]] = document[kind]
    index = next((i for i, item in enumerate(items) if item.get(id_attr) == item_id), None)
    if index is None:
        raise ItemNotFound(f"Version {version} has no {kind} item {item_id!r}.")
    patched = merge_patch(items[index], changes)
    if patched.get(id_attr) != item_id:
        raise InvalidChange(
            f"The {id_attr} of an item cannot be changed by PATCH.",
            errors=[FieldError(loc=id_attr, message="must stay " + item_id)],
        )
    items[index] = patched
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as exc:
        raise InvalidChange(
            "The patched item does not fit the bundle schema.",
            errors=[
                FieldError(loc=".".join(str(p) for p in e["loc"]), message=e["msg"])
                for e in exc.errors()
            ],
        ) from exc
    return _store_draft_bundle(session, row, bundle, if_match)


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
    row = _editable_draft(session, version, if_match)
    repository.delete_version(session, row)


# --- validation and publishing ------------------------------------------------------------


def _golden_failures(loaded: LoadedVersion) -> list[GoldenCaseFailure]:
    failures = []
    for case in loaded.bundle.golden_cases:
        outcome = run_golden_case(loaded.engine, case)
        if not outcome.passed:
            failures.append(
                GoldenCaseFailure(
                    id=case.id,
                    reasons=list(outcome.reasons),
                    expected=case.expect.model_dump(mode="json", exclude_none=True),
                    got=dict(outcome.got),
                    safety=bool(outcome.safety),
                )
            )
    return failures


def _validate(row: ContentVersion) -> tuple[ValidationReport, LoadedVersion | None]:
    assert row.version is not None
    bundle = Bundle.model_validate_json(row.bundle_json)
    problems = check_bundle(bundle)
    loaded: LoadedVersion | None = None
    failures: list[GoldenCaseFailure] = []
    if not problems:
        loaded = build_loaded(bundle, row.version, row.checksum, utcnow())
        failures = _golden_failures(loaded)
    report = ValidationReport(
        version=row.version,
        valid=not problems and not failures,
        problems=problems,
        golden_failures=failures,
        golden_cases_run=len(bundle.golden_cases) if not problems else 0,
    )
    return report, loaded


def validate_version(session: Session, version: int) -> ValidationReport:
    return _validate(_existing(session, version))[0]


def publish(
    session: Session,
    cache: ContentCache,
    version: int,
    *,
    actor: str,
    notes: str | None,
    force: bool,
    reason: str | None,
    if_match: str | None,
    rollout_percent: int | None = None,
) -> VersionSummary:
    """Validate, run the golden cases, then publish and move the pointer in one transaction;
    with `rollout_percent`, the pointer keeps its current version and names this one the
    canary served to that share of callers (refused while another canary runs)."""
    if force and not (reason and reason.strip()):
        raise InvalidChange(
            "A forced publish needs a reason.",
            errors=[FieldError(loc="reason", message="required when force is true")],
        )
    if rollout_percent is not None:
        _check_percent(rollout_percent, "rollout_percent")
    row = _editable_draft(session, version, if_match)
    report, loaded = _validate(row)
    if report.problems or loaded is None:
        raise InvalidChange(
            f"Version {version} is not valid: {len(report.problems)} problem(s).",
            extra={"problems": [p.model_dump() for p in report.problems]},
        )
    unsafe = [failure.id for failure in report.golden_failures if failure.safety]
    if unsafe:
        raise InvalidChange(
            f"{len(unsafe)} golden case(s) show a safety failure (under-triage, a "
            "contraindicated item shown, or an answer contradicting its triage); "
            "force cannot publish it.",
            extra={"golden_failures": [f.model_dump() for f in report.golden_failures]},
        )
    if report.golden_failures and not force:
        raise InvalidChange(
            f"{len(report.golden_failures)} golden case(s) would break; fix the draft, or "
            "publish with force and a reason.",
            extra={"golden_failures": [f.model_dump() for f in report.golden_failures]},
        )
    pointer = repository.lock_pointer(session)
    previous = pointer.current_version if pointer is not None else None
    if pointer is not None and pointer.canary_version is not None:
        raise RolloutRunning(pointer.canary_version)
    if rollout_percent is not None and previous is None:
        raise NoCurrentVersion("A canary needs a current version to run beside.")
    if not repository.mark_published(session, row, actor=actor, reason=reason or notes):
        raise _lost_race(version, if_match)
    action = "publish_forced" if force and report.golden_failures else "publish"
    audit.record(
        session,
        actor=actor,
        action=action,
        version=version,
        reason=reason or notes,
        details={
            "previous_version": previous,
            "golden_failures": [f.id for f in report.golden_failures],
            **({"rollout_percent": rollout_percent} if rollout_percent is not None else {}),
        },
    )
    # In this transaction: a publish that does not commit sends nothing.
    outbox.enqueue(
        session,
        EventType.content_published,
        {
            "version": version,
            "previous_version": previous,
            "published_by": actor,
            "forced": action == "publish_forced",
            "reason": reason or notes,
            "rollout_percent": rollout_percent,  # null: current at once; else a canary
        },
    )
    if rollout_percent is not None:
        assert previous is not None
        generation = repository.start_rollout(session, version, rollout_percent)
        serving = Serving(
            current=_loaded(session, cache, previous),
            canary=loaded,
            percent=rollout_percent,
            started_at=utcnow(),
        )
        _commit_rollout(
            session,
            cache,
            serving,
            generation,
            actor=actor,
            action="rollout_start",
            version=version,
            reason=reason or notes,
            details={"current_version": previous, "percent": rollout_percent},
        )
        CONTENT_EVENTS.labels(action).inc()
        session.refresh(row)
        return summary(row, previous)
    generation = repository.move_pointer(session, version)
    session.commit()
    cache.install(loaded, generation=generation)
    CONTENT_EVENTS.labels(action).inc()
    session.refresh(row)
    return summary(row, version)


def rollback(
    session: Session, cache: ContentCache, to_version: int, *, actor: str, reason: str | None
) -> VersionSummary:
    """Point at an earlier published version again, recorded like a publish."""
    row = _existing(session, to_version)
    if row.status != VersionStatus.published:
        raise NotPublished(f"Version {to_version} is {row.status}; only published ones serve.")
    pointer = repository.lock_pointer(session)
    previous = pointer.current_version if pointer is not None else None
    if pointer is not None and pointer.canary_version is not None:
        raise RolloutRunning(pointer.canary_version)
    if previous == to_version:
        raise AlreadyCurrent(to_version)
    loaded = cache.versions.get(to_version) or build_loaded(
        Bundle.model_validate_json(row.bundle_json), to_version, row.checksum, row.published_at
    )
    generation = repository.move_pointer(session, to_version)
    audit.record(
        session,
        actor=actor,
        action="rollback",
        version=to_version,
        reason=reason,
        details={"previous_version": previous},
    )
    outbox.enqueue(
        session,
        EventType.content_rolled_back,
        {
            "version": to_version,
            "previous_version": previous,
            "rolled_back_by": actor,
            "reason": reason,
        },
    )
    session.commit()
    cache.install(loaded, generation=generation)
    CONTENT_EVENTS.labels("rollback").inc()
    return summary(row, to_version)


# --- staged rollout ------------------------------------------------------------------------


def rollout_status(session: Session) -> RolloutStatus:
    """The rollout as the database has it now (not this process's cached view)."""
    return _status(repository.get_pointer(session))


def _status(pointer: ContentPointer | None) -> RolloutStatus:
    running = pointer is not None and pointer.canary_version is not None
    return RolloutStatus(
        running=running,
        current_version=pointer.current_version if pointer is not None else None,
        canary_version=pointer.canary_version if pointer is not None else None,
        percent=pointer.rollout_percent if pointer is not None and running else None,
        started_at=as_utc(pointer.rollout_started_at) if pointer is not None else None,
    )


def change_rollout(
    session: Session,
    cache: ContentCache,
    *,
    percent: int | None = None,
    action: RolloutAction | None = None,
    canary_version: int | None = None,
    actor: str,
    reason: str | None = None,
) -> RolloutStatus:
    """Widen or narrow the running canary (`percent`), or promote or abort it (`action`),
    in one transaction that locks the pointer and decides on what it holds now."""
    if (percent is None) == (action is None):
        raise InvalidChange("Send exactly one of percent and action.")
    if percent is not None:
        _check_percent(percent, "percent")
    pointer = repository.lock_pointer(session)
    if pointer is None or pointer.canary_version is None or pointer.rollout_percent is None:
        raise NoRollout()
    canary, current = pointer.canary_version, pointer.current_version
    if canary_version is not None and canary_version != canary:
        raise StaleRollout(canary_version, canary)
    details: dict[str, Any] = {"current_version": current, "percent": pointer.rollout_percent}
    if percent is not None:
        generation = repository.set_rollout_percent(session, percent)
        serving = Serving(
            current=_loaded(session, cache, current),
            canary=_loaded(session, cache, canary),
            percent=percent,
            started_at=as_utc(pointer.rollout_started_at),
        )
        name, details = "rollout_change", {**details, "new_percent": percent}
    elif action is RolloutAction.promote:
        generation = repository.promote_canary(session, canary)
        serving = Serving(current=_loaded(session, cache, canary))
        name = "rollout_promote"
    else:
        generation = repository.end_rollout(session)
        serving = Serving(current=_loaded(session, cache, current))
        name = "rollout_abort"
    _commit_rollout(
        session,
        cache,
        serving,
        generation,
        actor=actor,
        action=name,
        version=canary,
        reason=reason,
        details=details,
    )
    return rollout_status(session)


def _check_percent(percent: int, field: str) -> None:
    """The HTTP schema refuses these already; the CLI and other callers meet this."""
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise InvalidChange(
            f"A canary serves {MIN_PERCENT} to {MAX_PERCENT} % of callers; promote or "
            "abort the rollout instead.",
            errors=[FieldError(loc=field, message=f"must be {MIN_PERCENT} to {MAX_PERCENT}")],
        )


def _commit_rollout(
    session: Session,
    cache: ContentCache,
    serving: Serving,
    generation: int,
    *,
    actor: str,
    action: str,
    version: int,
    reason: str | None,
    details: dict[str, Any],
) -> None:
    """Record a rollout change and commit it with the pointer move already made, then serve
    the new state in this process at once (the others follow through the poller).

    Every rollout change (start, change, promote, abort) passes here with its transaction
    still open: anything that must commit or roll back with it (an outbox event) goes
    before `session.commit()`."""
    audit.record(
        session, actor=actor, action=action, version=version, reason=reason, details=details
    )
    # In this transaction: a change that does not commit sends nothing.
    outbox.enqueue(
        session,
        EventType.content_rollout_changed,
        {
            "action": action.removeprefix("rollout_"),  # start, change, promote or abort
            "version": version,
            "current_version": serving.current.version if serving.current is not None else None,
            "canary_version": serving.canary.version if serving.canary is not None else None,
            "percent": serving.percent if serving.canary is not None else None,
            "changed_by": actor,
            "reason": reason,
        },
    )
    session.commit()
    cache.install_serving(serving, generation=generation)
    CONTENT_EVENTS.labels(action).inc()


def _loaded(session: Session, cache: ContentCache, version: int) -> LoadedVersion:
    """A published version ready to serve: this process's copy, else built from its row."""
    held = cache.versions.get(version)
    if held is not None:
        return held
    row = _existing(session, version)
    return build_loaded(
        Bundle.model_validate_json(row.bundle_json), version, row.checksum, row.published_at
    )


# --- diff ----------------------------------------------------------------------------------


def diff(session: Session, from_version: int, to_version: int) -> ContentDiff:
    """Items added, removed and changed, and the golden cases whose results differ."""
    rows = {number: _existing(session, number) for number in (from_version, to_version)}
    before = Bundle.model_validate_json(rows[from_version].bundle_json)
    after = Bundle.model_validate_json(rows[to_version].bundle_json)
    comparable = not check_bundle(before) and not check_bundle(after)
    ranking: list[GoldenCaseChange] = []
    if comparable:
        old = build_loaded(before, from_version, rows[from_version].checksum)
        new = build_loaded(after, to_version, rows[to_version].checksum)
        cases = {c.id: c for c in [*before.golden_cases, *after.golden_cases]}
        for case_id, case in cases.items():
            got_before = dict(run_golden_case(old.engine, case).got)
            got_after = dict(run_golden_case(new.engine, case).got)
            if got_before != got_after:
                ranking.append(GoldenCaseChange(id=case_id, before=got_before, after=got_after))
    return ContentDiff(
        from_version=from_version,
        to_version=to_version,
        items=diff_items(before, after),
        golden_case_changes=ranking,
        ranking_comparable=comparable,
    )
