"""Follow the current pointer from the database, and notice when the database goes away."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.content import repository
from app.content.cache import ContentCache, PointerRollout, load_version
from app.content.models import ContentPointer
from app.core.db import ChangeWatch
from app.core.dbfaults import degraded_state
from app.core.metrics import DEGRADED
from app.core.models import as_utc

logger = logging.getLogger("app.content")


# Of the published versions the pointer does not name (only a pinned `content_version`
# asks for them), a poll loads at most this many, and only once the pointer has been still
# this long: each costs ~0.1 s of CPU to compile (seconds on a loaded machine), and 20
# publishes in a burst once made a replica compile all 20 before it followed the last.
OTHERS_PER_CHECK = 1
OTHERS_AFTER_STILL_S = 2.0


def load_changes(cache: ContentCache, engine: Engine, *, others: int | None = None) -> bool:
    """Read the pointer and the published versions this process lacks in one transaction
    (so the pair is consistent), then install them; True when something changed.

    The versions the pointer names come first: a move of the pointer loads only them. Of the
    other published versions at most `others` (the newest first) are loaded per call, None:
    all of them (at start, and for the CLI)."""
    with Session(engine) as session:
        pointer = repository.get_pointer(session)
        if pointer is None:
            return False
        following = cache.is_following(pointer.current_version, pointer.generation)
        if following and not cache.lacks_published:
            return False
        rollout = pointer_rollout(pointer)
        named = {pointer.current_version, *([rollout.canary_version] if rollout else [])}
        numbers = repository.published_numbers(session)
        cache.published = frozenset(numbers)
        lacking = [v for v in numbers if v not in cache.versions]
        wanted = [v for v in lacking if v in named]
        unnamed = [v for v in reversed(lacking) if v not in named]
        if others is not None:
            moving = time.monotonic() - cache.moved_at < OTHERS_AFTER_STILL_S
            unnamed = [] if wanted or moving else unnamed[:others]
        rows = repository.published_versions(session, [*wanted, *unnamed])
        version, generation = pointer.current_version, pointer.generation
    loaded = {row.version: load_version(row) for row in rows if row.version is not None}
    cache.lacks_published = len(loaded) < len(lacking)
    return cache.follow(version, generation, loaded, rollout)


def load_pinned(cache: ContentCache, engine: Engine, version: int) -> None:
    """Load one published version a request pins before the poller got to it."""
    if version in cache.versions:
        return
    with Session(engine) as session:
        rows = repository.published_versions(session, [version])
    for row in rows:
        cache.add(load_version(row))


def pointer_rollout(pointer: ContentPointer) -> PointerRollout | None:
    """The canary the pointer row names, if one runs."""
    if pointer.canary_version is None or pointer.rollout_percent is None:
        return None
    return PointerRollout(
        pointer.canary_version, pointer.rollout_percent, as_utc(pointer.rollout_started_at)
    )


def refresh_once(
    cache: ContentCache, engine: Engine, others: int | None = OTHERS_PER_CHECK
) -> None:
    """One check; a database error marks the process degraded instead of failing requests.
    `others`: as in `load_changes` (None at start: every published version at once)."""
    # /readyz reads how long this check has been waiting: a hung database is then reported
    # within its readiness timeout, not after the 5 s statement or busy timeout.
    cache.check_started_at = time.monotonic()
    try:
        load_changes(cache, engine, others=others)
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


class ContentFollower:
    """This process's way of catching up with the database's pointer.

    Refreshes run one at a time and are shared: a caller is satisfied by the first refresh
    that *starts* after it asked, so any number of concurrent callers cost one read, and no
    caller is answered from a read made before it arrived.
    """

    def __init__(self, cache: ContentCache, engine: Engine) -> None:
        self.cache = cache
        self.engine = engine  # its own (one connection): see build_services
        self._lock = asyncio.Lock()
        self._started = 0
        self._finished = 0
        # A thread of its own: in asyncio's shared executor a check queued behind the
        # webhook sender's and the flusher's database steps, seconds behind under load.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="content-follower")

    async def refresh(self) -> None:
        wanted = self._started + 1
        async with self._lock:
            if self._finished >= wanted:
                return
            self._started += 1
            ticket = self._started
            try:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._thread, refresh_once, self.cache, self.engine)
            finally:
                self._finished = ticket

    async def load_pinned(self, version: int) -> None:
        """Before answering a request pinned to a published version this process has not
        loaded yet (the poller loads those one per check, once the pointer is still): load
        it now. Only a number the last check listed as published costs a database read."""
        if version in self.cache.versions or version not in self.cache.published:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._thread, load_pinned, self.cache, self.engine, version)
        except SQLAlchemyError:  # the request gets its 404, as before the poller's load
            logger.warning("could not load pinned version %s", version, exc_info=True)

    def close(self, *, dispose_engine: bool = False) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
        if dispose_engine:  # an engine made for the follower alone (see build_services)
            self.engine.dispose()

    async def catch_up(self, seen_version: int) -> None:
        """Before answering a client that has already been served `seen_version`: when this
        process serves another version, read the pointer first, so the answer is never older
        than what the client saw (after a rollback it may still be a lower number)."""
        serving = self.cache.serving
        current, canary = serving.current, serving.canary
        # A canary's caller has seen the canary: that is no reason to read the pointer.
        if (current is None or seen_version != current.version) and (
            canary is None or seen_version != canary.version
        ):
            await self.refresh()

    async def follow_forever(
        self, interval_s: float, watch: ChangeWatch | None, watch_interval_s: float
    ) -> None:
        """Refresh every `interval_s` seconds until cancelled at shutdown; with a SQLite
        change watch, also as soon as the file changes (checked every `watch_interval_s`)."""
        if watch is None:  # the lifespan makes none when the interval is 0
            while True:
                await asyncio.sleep(interval_s)
                await self.refresh()
        seen = _watched(watch)
        due = time.monotonic() + interval_s
        while True:
            await asyncio.sleep(watch_interval_s)
            # In the loop, not a thread: one PRAGMA on the shared-memory index takes
            # microseconds, less than the hop to a thread and back.
            now_seen = _watched(watch)
            changed = now_seen is not None and now_seen != seen
            seen = now_seen if now_seen is not None else seen
            if changed or time.monotonic() >= due:
                due = time.monotonic() + interval_s
                await self.refresh()


def _watched(watch: ChangeWatch) -> int | None:
    """The file's change counter, or None when it cannot be read now (the interval's refresh
    still runs, and `refresh_once` reports a database that is really gone)."""
    try:
        return watch.version()
    except sqlite3.Error:
        return None
