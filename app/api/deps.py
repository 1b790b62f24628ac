"""FastAPI dependencies for what a request works with: the services, the content cache, a
database session, the version a client has seen; and the app-wide check of query values.
Authorisation is `app.api.authorization`'s, the spec's parameter fragments
`app.api.parameters`'s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.api.parameters import seen_version
from app.content.cache import ContentCache
from app.core.dbfaults import unavailable
from app.core.query import refuse_repeated
from app.services import Services

# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, and that hop costs more than the whole assessment on the hot path.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_cache(request: Request) -> ContentCache:
    cache: ContentCache = request.app.state.services.cache
    return cache


CacheDep = Annotated[ContentCache, Depends(get_cache)]


async def catch_up_with_client(
    services: Services, raw_seen: str | None, pinned: int | None = None
) -> None:
    """Never answer with a version older than the one the client declares it has seen; or,
    for a request pinned to a version, have that version loaded if it is published."""
    if pinned is not None:
        await services.follower.load_pinned(pinned)
        return
    seen = seen_version(raw_seen)
    if seen is not None:
        await services.follower.catch_up(seen)


# Methods whose routes only read: their sessions never take SQLite's write lock.
_READING_METHODS = frozenset({"GET", "HEAD"})


def get_session(request: Request, services: ServicesDep) -> Iterator[Session]:
    """A session for admin work: committed on success, a clear 503 when the database (or its
    tables) is gone."""
    reads_only = request.method in _READING_METHODS
    engine = services.read_engine if reads_only else services.engine
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()
    except DBAPIError as exc:
        problem = unavailable(exc, "The content database cannot be reached; try again shortly.")
        if problem is None:
            raise
        raise problem from exc


# scope="function": commit before the response is sent. FastAPI's default for a dependency
# with yield ends it after the response, so a client could be told 201 for a write that is not
# committed yet (and read it back as 404 on PostgreSQL), or that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


_QUERY_NAMES: dict[int, frozenset[str]] = {}


async def single_query_values(request: Request) -> None:
    """Every query parameter an operation declares is scalar: given twice, a 422 (an app-wide
    dependency; the assessment fast lane checks its own query the same way)."""
    if not request.scope["query_string"]:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        names = _QUERY_NAMES[id(route)] = frozenset(_query_names(route.dependant))
    refuse_repeated(request.query_params, names)


def _query_names(dependant: Dependant) -> Iterator[str]:
    yield from (param.alias for param in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _query_names(sub)
