"""Which database failures are the database's absence, and the 503 each is answered with."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from app.core.errors import ServiceUnavailable, problem_error_handler, unhandled_handler

UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE for a relation that does not exist
MIGRATE_HINT = "an operator must run `tremor-guide migrate`"


def is_missing_table(exc: BaseException) -> bool:
    """A table the code needs is not there: the database was recreated empty (or never
    migrated). SQLite says so in its message, psycopg with SQLSTATE 42P01."""
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) == UNDEFINED_TABLE:
        return True
    return isinstance(exc, OperationalError) and "no such table" in str(exc.orig)


def unavailable(exc: DBAPIError, unreachable_detail: str) -> ServiceUnavailable | None:
    """The 503 for a database that lacks its tables or cannot be reached, else None (a
    genuine bug stays a bug)."""
    if is_missing_table(exc):
        return ServiceUnavailable(
            f"The content database has no tables; {MIGRATE_HINT}.",
            headers={"Retry-After": "30"},
        )
    if isinstance(exc, OperationalError):
        return ServiceUnavailable(unreachable_detail, headers={"Retry-After": "5"})
    return None


def degraded_state(exc: BaseException) -> tuple[str, str]:
    """What /readyz says of the database, and why, while the poller's check fails."""
    if is_missing_table(exc):
        return "missing_tables", f"database tables missing: {MIGRATE_HINT}"
    return "unreachable", "database unreachable: " + type(exc).__name__


async def _database_fault_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    problem = unavailable(exc, "The content database cannot be reached; try again shortly.")
    if problem is None:
        return await unhandled_handler(request, exc)
    return await problem_error_handler(request, problem)


def install_database_fault_handler(app: FastAPI) -> None:
    """A database error that escapes a route's own handling is still a 503, not a 500."""
    app.add_exception_handler(DBAPIError, _database_fault_handler)
