"""Every query of outcomes. The upserts are single statements (ON CONFLICT), on SQLite and
PostgreSQL alike, so concurrent writers end with one row and no count is lost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.models import utcnow
from app.core.upsert import dialect_insert, keep_first_row
from app.outcomes.models import (
    AssessmentIdKey,
    OutcomeFeedback,
    OutcomeShown,
    OutcomeSource,
    OutcomeSourceTally,
)

_OUTCOMES = ("resolved", "better", "same", "worse")


def id_key(session: Session) -> bytes | None:
    row = session.get(AssessmentIdKey, 1)
    return None if row is None else bytes(row.key)


def keep_first_id_key(session: Session, key: bytes) -> bytes:
    """Store `key` unless another process stored one first; the key that is stored. The
    caller commits."""
    stored = keep_first_row(session, AssessmentIdKey, id=1, key=key, created_at=utcnow())
    return bytes(stored.key)


def feedback_exists(session: Session, assessment_id: str) -> bool:
    query = select(col(OutcomeFeedback.id)).where(
        col(OutcomeFeedback.assessment_id) == assessment_id
    )
    return session.exec(query).first() is not None


def upsert_feedback(session: Session, values: dict[str, Any]) -> None:
    """Insert the feedback, or replace the earlier feedback on the same assessment."""
    statement = dialect_insert(session, OutcomeFeedback).values(**values)
    replaced = {k: statement.excluded[k] for k in values if k != "assessment_id"}
    session.execute(
        statement.on_conflict_do_update(index_elements=["assessment_id"], set_=replaced)
    )


def add_shown(session: Session, rows: Iterable[tuple[int, str, str, int]]) -> None:
    """Add (version, kind, item_id, shown) to the stored counts."""
    values = [
        {"version": version, "kind": kind, "item_id": item_id, "shown": shown}
        for version, kind, item_id, shown in rows
    ]
    if not values:
        return
    statement = dialect_insert(session, OutcomeShown).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["version", "kind", "item_id"],
            set_={"shown": OutcomeShown.__table__.c.shown + statement.excluded.shown},  # type: ignore[attr-defined]
        )
    )


def shown_counts(session: Session, version: int) -> Sequence[OutcomeShown]:
    return session.exec(select(OutcomeShown).where(col(OutcomeShown.version) == version)).all()


def feedback_of(session: Session, version: int) -> Sequence[OutcomeFeedback]:
    query = select(OutcomeFeedback).where(col(OutcomeFeedback.version) == version)
    return session.exec(query).all()


def source_outcome(session: Session, version: int, source: str) -> str | None:
    """The source's latest outcome on `version`, its row locked until the commit (PostgreSQL;
    SQLite's writers are serialised by BEGIN IMMEDIATE)."""
    query = (
        select(col(OutcomeSource.outcome))
        .where(col(OutcomeSource.version) == version, col(OutcomeSource.source) == source)
        .with_for_update()
    )
    return session.exec(query).first()


def add_source(session: Session, version: int, source: str, outcome: str) -> bool:
    """Store the source's first outcome on `version`; False when a concurrent transaction
    stored one first (the caller then reads and updates that one)."""
    statement = dialect_insert(session, OutcomeSource).values(
        version=version, source=source, outcome=outcome, updated_at=utcnow()
    )
    inserted = session.execute(
        statement.on_conflict_do_nothing(index_elements=["version", "source"]).returning(
            OutcomeSource.__table__.c.version  # type: ignore[attr-defined]
        )
    )
    return inserted.first() is not None


def change_source(session: Session, version: int, source: str, outcome: str) -> None:
    session.execute(
        update(OutcomeSource)
        .where(col(OutcomeSource.version) == version, col(OutcomeSource.source) == source)
        .values(outcome=outcome, updated_at=utcnow())
    )


def add_to_tally(session: Session, version: int, sources: int, changes: dict[str, int]) -> None:
    """Add `sources` new sources and the per-outcome `changes` to `version`'s tally, in one
    statement (concurrent writers add up, none is lost)."""
    values = {"sources": sources, **{outcome: changes.get(outcome, 0) for outcome in _OUTCOMES}}
    statement = dialect_insert(session, OutcomeSourceTally).values(version=version, **values)
    table = OutcomeSourceTally.__table__  # type: ignore[attr-defined]
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["version"],
            set_={name: table.c[name] + statement.excluded[name] for name in values},
        )
    )


def source_tally(session: Session, version: int) -> dict[str, int]:
    """`version`'s tally as stored now (sources and per-outcome counts; zeros when none)."""
    table = OutcomeSourceTally.__table__  # type: ignore[attr-defined]
    columns = [table.c.sources, *(table.c[outcome] for outcome in _OUTCOMES)]
    row = session.execute(select(*columns).where(table.c.version == version)).first()
    names = ("sources", *_OUTCOMES)
    return dict(zip(names, row or (0,) * len(names), strict=True))
