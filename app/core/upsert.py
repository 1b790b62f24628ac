"""Inserts that may meet a row already there, as one statement on SQLite and PostgreSQL
alike (INSERT ... ON CONFLICT), so concurrent writers end with one row and lose no count.

They run in the caller's transaction and never commit: the caller decides when the row
becomes visible to others (until then, on PostgreSQL, a concurrent insert of the same key
waits for it)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

Row = TypeVar("Row", bound=SQLModel)


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the session's database, which offers the ON CONFLICT clauses."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def keep_first_row(session: Session, model: type[Row], **values: Any) -> Row:
    """Insert a row of `model` unless one with the same primary key exists, and return the
    row stored: of concurrent writers the first keeps its row, the others get it back.

    `values` must hold the primary key."""
    key = [column.name for column in inspect(model).primary_key]
    statement = dialect_insert(session, model).values(**values)
    session.execute(statement.on_conflict_do_nothing(index_elements=key))
    # populate_existing: the row as the database has it now, whatever the session holds.
    stored = session.get(model, tuple(values[name] for name in key), populate_existing=True)
    assert stored is not None
    return stored
