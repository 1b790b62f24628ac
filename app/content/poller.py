"""Follow the current pointer from the database, and notice when the database goes away."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.content import repository
from app.content.cache import ContentCache, load_version
from app.core.dbfaults import degraded_state
from app.core.metrics import DEGRADED

logger = logging.getLogger("app.content")


def load_changes(cache: ContentCache, engine: Engine) -> bool:
    """Read the pointer and the published versions this process lacks in one transaction
    (so the pair is consistent), then install them; True when something changed."""
    with Session(engine) as session:
        pointer = repository.get_pointer(session)
        if pointer is None or cache.is_following(pointer.current_version, pointer.generation):
            return False
        rows = repository.published_versions(session, exclude=cache.versions.keys())
        version, generation = pointer.current_version, pointer.generation
    loaded = {row.version: load_version(row) for row in rows if row.version is not None}
    return cache.follow(version, generation, loaded)


def refresh_once(cache: ContentCache, engine: Engine) -> None:
    """One check; a database error marks the process degraded instead of failing requests."""
    # /readyz reads how long this check has been waiting: a hung database is then reported
    # within its readiness timeout, not after the 5 s statement or busy timeout.
    cache.check_started_at = time.monotonic()
    try:
        load_changes(cache, engine)
    except SQLAlchemyError as exc:
        if cache.degraded_reason is None:
            logger.warning("database check failed; serving content from memory", exc_info=exc)
        cache.database_state, cache.degraded_reason = degraded_state(exc)
        DEGRADED.set(1)
        return
    finally:
        cache.check_started_at = None
    if cache.degraded_reason is not None:
        logger.info("database reachable again")
    cache.database_state, cache.degraded_reason = "ok", None
    DEGRADED.set(0)


async def poll_forever(cache: ContentCache, engine: Engine, interval_s: float) -> None:
    """Check every `interval_s` seconds until cancelled at shutdown."""
    while True:
        await asyncio.sleep(interval_s)
        await asyncio.to_thread(refresh_once, cache, engine)
