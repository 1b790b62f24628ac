"""Start-up and shut-down of one process: migrate, bootstrap, load content, poll."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.service import KeyVerifier
from app.content import publishing
from app.content import repository as content_repository
from app.content.cache import ContentCache
from app.content.files import DEFAULT_CONTENT_DIR, load_bundle
from app.content.poller import ContentFollower, refresh_once
from app.core import migrate
from app.core.config import Settings
from app.core.db import change_watch, make_engine, reader
from app.outcomes import service as outcomes_service
from app.outcomes.counter import ShownCounter
from app.outcomes.issuer import AnswerStamper
from app.outcomes.token import Signer
from app.services import Services
from app.webhooks import service as webhooks_service
from app.webhooks.worker import WebhookWorker

logger = logging.getLogger("app")


class StartupError(RuntimeError):
    """The database cannot be opened or prepared: told in one line, without a traceback."""


@contextlib.contextmanager
def explained_start(database_url: str) -> Iterator[None]:
    """Turn the errors of opening, migrating and bootstrapping the database (a read-only
    file system, a folder that cannot be created, a refused connection) into one line."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        if isinstance(exc, DBAPIError):
            why = str(exc.orig).strip().splitlines()[0]
        elif isinstance(exc, OSError):
            why = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        else:
            why = str(exc).splitlines()[0]
        where = make_url(database_url).render_as_string(hide_password=True)
        raise StartupError(f"cannot prepare the database {where}: {why}") from None


_STARTUP_ERROR_MARK = f"{StartupError.__module__}.{StartupError.__qualname__}: "


class OneLineStartupFailure:
    """Starlette reports a failed start-up to the server with the whole traceback as its
    message; for a StartupError, which already says what is wrong, send just that line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_one_line(message: Message) -> None:
            text_ = str(message.get("message") or "")
            if message["type"] == "lifespan.startup.failed" and _STARTUP_ERROR_MARK in text_:
                last = text_.strip().splitlines()[-1]
                message = {**message, "message": last.removeprefix(_STARTUP_ERROR_MARK)}
            await send(message)

        await self.app(scope, receive, send_one_line)


def build_services(settings: Settings) -> Services:
    engine = make_engine(settings)
    read_engine = reader(engine)
    admin_key = settings.admin_api_key.get_secret_value() if settings.admin_api_key else None
    cache = ContentCache()
    return Services(
        settings=settings,
        engine=engine,
        read_engine=read_engine,
        cache=cache,
        # Its own connection: requests waiting on a lock (20 publishes at once) held the
        # whole pool, and the follower waited for a connection while it fell behind.
        follower=ContentFollower(cache, reader(make_engine(settings, pool_size=1))),
        keys=KeyVerifier(read_engine, admin_key),
        # A throwaway key until `install_signing_key` reads the deployment's (no request
        # is served before the lifespan has done so).
        stamper=AnswerStamper(Signer(os.urandom(32)), ShownCounter()),
    )


def install_signing_key(services: Services) -> None:
    """Sign with ASSESSMENT_ID_SECRET, else the key stored in the database (made once), so
    every worker and replica signs and verifies alike."""
    secret = services.settings.assessment_id_secret
    with Session(services.engine) as session:
        key = outcomes_service.signing_key(session, secret.get_secret_value() if secret else None)
        session.commit()
    services.stamper.signer = Signer(key)


def record_sealing_key(services: Services) -> None:
    """Name the key this server seals webhook secrets with, so the CLI run from another
    shell refuses to seal with any other (and webhooks sealed with another show as failing)."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with Session(services.engine) as session:
        webhooks_service.record_sealing_key(session, services.settings.webhook_secret_key, holder)
        session.commit()


async def flush_shown_once(services: Services) -> bool:
    """Add this process's shown counts to the database; on failure they stay counted for
    the next try (True when the flush succeeded or there was nothing to flush)."""
    counter = services.stamper.counter
    taken = counter.take()
    if not taken:
        return True
    try:
        await asyncio.to_thread(outcomes_service.flush_shown, services.engine, taken)
    except SQLAlchemyError as exc:
        counter.give_back(taken)
        logger.warning("shown counts not flushed, kept for the next try: %s", type(exc).__name__)
        return False
    return True


async def flush_shown_forever(services: Services, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        await flush_shown_once(services)


@contextlib.contextmanager
def _startup_lock(engine: Engine) -> Iterator[None]:
    """Let one replica at a time migrate and bootstrap a shared PostgreSQL database.

    A session-level advisory lock on a connection of its own; SQLite needs none (its
    BEGIN IMMEDIATE and Alembic's single transaction already serialise writers).
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(727002)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(727002)"))
            conn.commit()


def prepare_database(services: Services) -> None:
    """Apply migrations and, on an empty store, publish the bundled default as version 1.

    Both steps cost a query or two on a database that has seen a start before: Alembic runs
    only when the database is not at head, and the bundled files are read and parsed only
    when the store is empty (in the same transaction as the bootstrap that fills it).
    """
    with _startup_lock(services.engine):
        migrate.upgrade_if_behind(services.engine, services.settings.database_url)
        if not services.settings.load_default_content:
            return
        with Session(services.engine) as session:
            if content_repository.count_versions(session) > 0:
                return
            if publishing.bootstrap(session, load_bundle(DEFAULT_CONTENT_DIR)) is not None:
                session.commit()
                logger.info("published the bundled default content as version 1")


GC_THRESHOLD = 20_000


def make_lifespan(settings: Settings) -> object:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with explained_start(settings.database_url):
            services = build_services(settings)
            app.state.services = services
            await asyncio.to_thread(prepare_database, services)
            await asyncio.to_thread(install_signing_key, services)
            await asyncio.to_thread(record_sealing_key, services)
        await asyncio.to_thread(refresh_once, services.cache, services.read_engine, None)
        # Everything loaded so far (modules, compiled content) lives as long as the process:
        # moving it out of the collector's generations keeps full collections, and the
        # latency spikes they cause under load, small.
        gc.collect()
        gc.freeze()
        # Requests make no reference cycles worth chasing often: an answer is a tree of dicts
        # freed by reference counting once sent. A batch keeps thousands alive at once, and
        # the default first-generation threshold then runs collections that find nothing.
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        watch = change_watch(settings) if settings.content_watch_interval_s > 0 else None
        poller = asyncio.create_task(
            services.follower.follow_forever(
                settings.content_poll_interval_s, watch, settings.content_watch_interval_s
            )
        )
        flusher = asyncio.create_task(
            flush_shown_forever(services, settings.outcomes_flush_interval_s)
        )
        # Every process runs a worker; the database lease lets only one of them send.
        webhooks = (
            WebhookWorker(services.engine, settings) if settings.webhook_worker_enabled else None
        )
        sender = asyncio.create_task(webhooks.run_forever()) if webhooks else None
        try:
            yield
        finally:
            if webhooks is not None and sender is not None:
                await webhooks.stop(sender)
            poller.cancel()
            flusher.cancel()
            for task in (poller, flusher):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            # What this process counted since the last flush; a SIGKILL skips this and loses
            # at most one flush interval of shown counts.
            await flush_shown_once(services)
            if watch is not None:
                watch.close()
            services.follower.close(dispose_engine=True)
            services.engine.dispose()

    return lifespan
