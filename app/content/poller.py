"""Follow the current pointer from the database, and notice when the database goes away."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from app.core.metrics import DEGRADED
from app.services import Services

logger = logging.getLogger("app.content")


def refresh_once(services: Services) -> None:
    """One check; a database error marks the process degraded instead of failing requests."""
    try:
        services.cache.refresh(services.engine)
    except SQLAlchemyError as exc:
        if services.cache.degraded_reason is None:
            logger.warning("database unreachable; serving content from memory", exc_info=exc)
        services.cache.degraded_reason = "database unreachable: " + type(exc).__name__
        DEGRADED.set(1)
        return
    if services.cache.degraded_reason is not None:
        logger.info("database reachable again")
    services.cache.degraded_reason = None
    DEGRADED.set(0)


async def poll_forever(services: Services) -> None:
    """Check every `content_poll_interval_s` seconds until cancelled at shutdown."""
    interval = services.settings.content_poll_interval_s
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(refresh_once, services)
