"""FastAPI dependencies, as `Annotated` aliases so routes stay one line per input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth.scopes import Scope
from app.auth.service import Principal
from app.content.cache import ContentCache
from app.core.errors import Forbidden, ServiceUnavailable, Unauthorized
from app.core.state import Services

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tg_...`.")


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


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A session for admin work: committed on success, a clear 503 when the database is gone."""
    try:
        with Session(services.engine, expire_on_commit=False) as session:
            yield session
            session.commit()
    except OperationalError as exc:
        raise ServiceUnavailable(
            "The content database cannot be reached; try again shortly.",
            headers={"Retry-After": "5"},
        ) from exc


SessionDep = Annotated[Session, Depends(get_session)]


def _authenticate(
    services: Services, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("An API key is required: send `Authorization: Bearer <key>`.")
    try:
        principal = services.keys.verify(credentials.credentials)
    except OperationalError as exc:
        raise ServiceUnavailable(
            "Keys cannot be checked while the database is unreachable.",
            headers={"Retry-After": "5"},
        ) from exc
    if principal is None:
        raise Unauthorized("The API key is not valid or has been revoked.")
    return principal


def require(scope: Scope) -> Callable[..., Principal]:
    """A dependency that lets through only keys holding `scope` (or admin)."""

    def dependency(
        services: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = _authenticate(services, credentials)
        if not principal.has(scope):
            raise Forbidden(f"This key lacks the {scope.value!r} scope.")
        return principal

    return dependency


ANONYMOUS = Principal(name="anonymous", scopes=frozenset())


def optional(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """Like `require`, but only when REQUIRE_API_KEYS is on; otherwise anyone may call.

    Async because it guards the hot path: with keys off it returns at once, and with keys
    on a remembered key costs no database round trip (a new one is looked up off the loop).
    """

    async def dependency(
        services: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if not services.settings.require_api_keys:
            return ANONYMOUS
        principal = await run_in_threadpool(_authenticate, services, credentials)
        if not principal.has(scope):
            raise Forbidden(f"This key lacks the {scope.value!r} scope.")
        return principal

    return dependency


ContentWriter = Annotated[Principal, Depends(require(Scope.content_write))]
Admin = Annotated[Principal, Depends(require(Scope.admin))]
ContentReader = Annotated[Principal, Depends(optional(Scope.content_read))]
Assessor = Annotated[Principal, Depends(optional(Scope.assess))]
