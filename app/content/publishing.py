"""Validation, publish and rollback: the moves of the current pointer.

Every state change happens in one transaction together with its audit record and its
webhook event (`outbox.enqueue`, before the commit), and the in-memory cache of this
process is updated only after the commit succeeded, so a failed publish leaves the database
and every process exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.audit import service as audit
from app.content import repository
from app.content.cache import ContentCache, LoadedVersion, Serving, build_loaded
from app.content.drafts import editable_draft, lost_race
from app.content.errors import (
    AlreadyCurrent,
    InvalidChange,
    NoCurrentVersion,
    NotPublished,
    RolloutRunning,
)
from app.content.models import ContentVersion, VersionStatus
from app.content.schemas import GoldenCaseFailure, ValidationReport, VersionSummary
from app.content.staged_rollout import check_percent, commit_rollout, loaded_version
from app.content.validation import check_bundle
from app.content.versions import existing, new_row, summary
from app.core.errors import FieldError
from app.core.metrics import CONTENT_EVENTS
from app.core.models import utcnow
from app.rules.bundle import Bundle
from app.rules.golden import run_golden_case
from app.webhooks import outbox
from app.webhooks.schemas import EventType


def bootstrap(session: Session, bundle: Bundle, *, actor: str = "system") -> int | None:
    """On an empty store, publish `bundle` as version 1; returns it, or None if not empty."""
    if repository.count_versions(session) > 0:
        return None
    row = new_row(bundle, status=VersionStatus.published, notes="Bundled default content")
    row.version = 1
    row.published_at = utcnow()
    row.published_by = actor
    row.publish_reason = "initial content"
    repository.add_version(session, row)
    repository.move_pointer(session, 1)
    audit.record(session, actor=actor, action="publish", version=1, reason="initial content")
    return 1


# --- validation ----------------------------------------------------------------------------


def validate_version(session: Session, version: int) -> ValidationReport:
    return _validate(existing(session, version))[0]


def _validate(row: ContentVersion) -> tuple[ValidationReport, LoadedVersion | None]:
    """The report on a version's bundle, and the bundle ready to serve when it compiles."""
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


# --- publish -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Publication:
    """What a publish records: in the audit trail, in its webhook event, in the metrics."""

    version: int
    actor: str
    reason: str | None
    action: str  # publish, or publish_forced when force let failing golden cases through
    previous: int | None
    golden_failures: list[str]
    rollout_percent: int | None  # None: current at once; else the share of a canary


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
    _check_request(force, reason, rollout_percent)
    row = editable_draft(session, version, if_match)
    report, loaded = _publishable(row, force)
    previous = _lock_for_publish(session, canary=rollout_percent is not None)
    if not repository.mark_published(session, row, actor=actor, reason=reason or notes):
        raise lost_race(version, if_match)
    publication = _Publication(
        version=version,
        actor=actor,
        reason=reason or notes,
        action="publish_forced" if force and report.golden_failures else "publish",
        previous=previous,
        golden_failures=[f.id for f in report.golden_failures],
        rollout_percent=rollout_percent,
    )
    _record(session, publication)
    if rollout_percent is None:
        _make_current(session, cache, loaded)
    else:
        _start_canary(session, cache, loaded, publication)
    CONTENT_EVENTS.labels(publication.action).inc()
    session.refresh(row)
    return summary(row, version if rollout_percent is None else previous)


def _check_request(force: bool, reason: str | None, rollout_percent: int | None) -> None:
    if force and not (reason and reason.strip()):
        raise InvalidChange(
            "A forced publish needs a reason.",
            errors=[FieldError(loc="reason", message="required when force is true")],
        )
    if rollout_percent is not None:
        check_percent(rollout_percent, "rollout_percent")


def _publishable(row: ContentVersion, force: bool) -> tuple[ValidationReport, LoadedVersion]:
    """The draft's report and compiled version, provided it may be published: valid, no
    safety failure among its golden cases, and other failures only when forced."""
    report, loaded = _validate(row)
    if report.problems or loaded is None:
        raise InvalidChange(
            f"Version {row.version} is not valid: {len(report.problems)} problem(s).",
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
    return report, loaded


def _lock_for_publish(session: Session, *, canary: bool) -> int | None:
    """The current version, the pointer locked and no canary running; a canary also needs a
    current version to run beside."""
    previous = _lock_pointer_without_canary(session)
    if canary and previous is None:
        raise NoCurrentVersion("A canary needs a current version to run beside.")
    return previous


def _lock_pointer_without_canary(session: Session) -> int | None:
    """The current version as the locked pointer has it; RolloutRunning while a canary runs
    (promote or abort it first)."""
    pointer = repository.lock_pointer(session)
    if pointer is not None and pointer.canary_version is not None:
        raise RolloutRunning(pointer.canary_version)
    return pointer.current_version if pointer is not None else None


def _record(session: Session, publication: _Publication) -> None:
    """The audit entry and the webhook event, in the publish's transaction: a publish that
    does not commit records and sends nothing."""
    percent = publication.rollout_percent
    audit.record(
        session,
        actor=publication.actor,
        action=publication.action,
        version=publication.version,
        reason=publication.reason,
        details={
            "previous_version": publication.previous,
            "golden_failures": publication.golden_failures,
            **({"rollout_percent": percent} if percent is not None else {}),
        },
    )
    outbox.enqueue(
        session,
        EventType.content_published,
        {
            "version": publication.version,
            "previous_version": publication.previous,
            "published_by": publication.actor,
            "forced": publication.action == "publish_forced",
            "reason": publication.reason,
            "rollout_percent": percent,  # null: current at once; else a canary
        },
    )


def _make_current(session: Session, cache: ContentCache, loaded: LoadedVersion) -> None:
    """Move the pointer to the published version, commit, then serve it in this process."""
    generation = repository.move_pointer(session, loaded.version)
    session.commit()
    cache.install(loaded, generation=generation)


def _start_canary(
    session: Session, cache: ContentCache, loaded: LoadedVersion, publication: _Publication
) -> None:
    """Name the published version the canary beside the current one, and commit."""
    assert publication.previous is not None and publication.rollout_percent is not None
    generation = repository.start_rollout(session, publication.version, publication.rollout_percent)
    serving = Serving(
        current=loaded_version(session, cache, publication.previous),
        canary=loaded,
        percent=publication.rollout_percent,
        started_at=utcnow(),
    )
    commit_rollout(
        session,
        cache,
        serving,
        generation,
        actor=publication.actor,
        action="rollout_start",
        version=publication.version,
        reason=publication.reason,
        details={"current_version": publication.previous, "percent": publication.rollout_percent},
    )


# --- rollback ------------------------------------------------------------------------------


def rollback(
    session: Session, cache: ContentCache, to_version: int, *, actor: str, reason: str | None
) -> VersionSummary:
    """Point at an earlier published version again, recorded like a publish."""
    row = existing(session, to_version)
    if row.status != VersionStatus.published:
        raise NotPublished(f"Version {to_version} is {row.status}; only published ones serve.")
    previous = _lock_pointer_without_canary(session)
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
