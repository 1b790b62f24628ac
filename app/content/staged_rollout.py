"""The staged rollout's lifecycle: its status, widening or narrowing a running canary,
promoting or aborting it, and the one commit every rollout change (start included) goes
through. Which callers a canary serves is `app.content.rollout`'s job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.audit import service as audit
from app.content import repository
from app.content.cache import ContentCache, LoadedVersion, Serving, build_loaded
from app.content.errors import InvalidChange, NoRollout, StaleRollout
from app.content.models import ContentPointer
from app.content.rollout import MAX_PERCENT, MIN_PERCENT
from app.content.schemas import RolloutAction, RolloutStatus
from app.content.versions import existing
from app.core.errors import FieldError
from app.core.metrics import CONTENT_EVENTS
from app.core.models import as_utc
from app.rules.bundle import Bundle
from app.webhooks import outbox
from app.webhooks.schemas import EventType


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


@dataclass(frozen=True, slots=True)
class _Running:
    """The running rollout as the locked pointer held it before this change."""

    pointer: ContentPointer  # refreshed by each pointer move; the fields below are not
    canary: int
    current: int
    percent: int


@dataclass(frozen=True, slots=True)
class _Change:
    """A rollout change made in the open transaction, not yet recorded or committed."""

    name: str
    generation: int
    serving: Serving
    details: dict[str, Any]


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
        check_percent(percent, "percent")
    running = _lock_running(session, canary_version)
    if percent is not None:
        change = _set_percent(session, cache, running, percent)
    elif action is RolloutAction.promote:
        change = _promote(session, cache, running)
    else:
        change = _abort(session, cache, running)
    commit_rollout(
        session,
        cache,
        change.serving,
        change.generation,
        actor=actor,
        action=change.name,
        version=running.canary,
        reason=reason,
        details=change.details,
    )
    return rollout_status(session)


def _lock_running(session: Session, canary_version: int | None) -> _Running:
    """The running rollout, its pointer locked; NoRollout when none runs, StaleRollout when
    the caller named another canary than the one running."""
    pointer = repository.lock_pointer(session)
    if pointer is None or pointer.canary_version is None or pointer.rollout_percent is None:
        raise NoRollout()
    canary = pointer.canary_version
    if canary_version is not None and canary_version != canary:
        raise StaleRollout(canary_version, canary)
    return _Running(pointer, canary, pointer.current_version, pointer.rollout_percent)


def _details(running: _Running) -> dict[str, Any]:
    return {"current_version": running.current, "percent": running.percent}


def _set_percent(session: Session, cache: ContentCache, running: _Running, percent: int) -> _Change:
    generation = repository.set_rollout_percent(session, percent)
    serving = Serving(
        current=loaded_version(session, cache, running.current),
        canary=loaded_version(session, cache, running.canary),
        percent=percent,
        started_at=as_utc(running.pointer.rollout_started_at),
    )
    details = {**_details(running), "new_percent": percent}
    return _Change("rollout_change", generation, serving, details)


def _promote(session: Session, cache: ContentCache, running: _Running) -> _Change:
    generation = repository.promote_canary(session, running.canary)
    serving = Serving(current=loaded_version(session, cache, running.canary))
    return _Change("rollout_promote", generation, serving, _details(running))


def _abort(session: Session, cache: ContentCache, running: _Running) -> _Change:
    generation = repository.end_rollout(session)
    serving = Serving(current=loaded_version(session, cache, running.current))
    return _Change("rollout_abort", generation, serving, _details(running))


def check_percent(percent: int, field: str) -> None:
    """The HTTP schema refuses these already; the CLI and other callers meet this."""
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise InvalidChange(
            f"A canary serves {MIN_PERCENT} to {MAX_PERCENT} % of callers; promote or "
            "abort the rollout instead.",
            errors=[FieldError(loc=field, message=f"must be {MIN_PERCENT} to {MAX_PERCENT}")],
        )


def commit_rollout(
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


def loaded_version(session: Session, cache: ContentCache, version: int) -> LoadedVersion:
    """A published version ready to serve: this process's copy, else built from its row."""
    held = cache.versions.get(version)
    if held is not None:
        return held
    row = existing(session, version)
    return build_loaded(
        Bundle.model_validate_json(row.bundle_json), version, row.checksum, row.published_at
    )
