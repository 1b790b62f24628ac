"""Run Alembic migrations from code (at start, from the CLI and in tests).

Alembic (with Mako and Pygments behind it) takes longer to import than anything else the
service needs at start, yet on every start but the first the database is already at head.
So start-up asks the database for its revision first and imports Alembic only when
there is something to apply; `upgrade` and `downgrade` always go through Alembic.
"""

from __future__ import annotations

import ast
import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]
VERSIONS_DIR = ROOT / "migrations" / "versions"
VERSION_TABLE = "alembic_version"

logger = logging.getLogger("app.migrate")


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply pending migrations; idempotent, safe to call on every start."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def _module_revisions(path: Path) -> tuple[str | None, set[str]]:
    """The `revision` a migration file declares and the `down_revision`(s) it builds on,
    read from its top-level assignments without importing it."""
    revision: str | None = None
    down: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        if target.id == "revision":
            literal = ast.literal_eval(value)
            revision = literal if isinstance(literal, str) else None
        elif target.id == "down_revision":
            literal = ast.literal_eval(value)
            if isinstance(literal, str):
                down = {literal}
            elif isinstance(literal, tuple | list):
                down = {item for item in literal if isinstance(item, str)}
    return revision, down


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The single head of `migrations/versions`, or None when it cannot be told for sure
    (several heads, a file that does not declare its revision as a literal): then the
    caller must ask Alembic. A test holds this equal to Alembic's own answer."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in VERSIONS_DIR.glob("*.py"):
            revision, down = _module_revisions(path)
            if revision is None:
                return None
            revisions.add(revision)
            parents |= down
    except (OSError, SyntaxError, ValueError):
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database says it is at; empty for a database never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return set()
        return {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def upgrade_if_behind(engine: Engine, database_url: str) -> bool:
    """Bring the database to head; returns whether Alembic had to run.

    When the database already records exactly the head revision, nothing is imported
    or applied (the common case: every start but the first). Anything else (a new
    database, an older revision, an unknown one, several branches) goes through
    `upgrade`, so Alembic still decides, applies and reports errors as before.
    """
    head = head_revision()
    if head is not None and current_revisions(engine) == {head}:
        logger.debug("database already at head revision %s", head)
        return False
    upgrade(database_url)
    return True
