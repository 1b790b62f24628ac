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
from app.core.ratelimit import Bucket, Limiter, client_identity, enforce
from app.services import Services

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


# scope="function": commit before the response is sent. FastAPI's default for a dependency
# with yield ends it after the response, so a client could be told 201 for a write that is not
# committed yet (and read it back as 404 on PostgreSQL), or that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


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


# Each route's scope is also its rate-limit bucket; one limiter hit per request, made here.
_BUCKETS: dict[Scope, Bucket] = {
    Scope.assess: Bucket.assess,
    Scope.content_read: Bucket.content_read,
    Scope.content_write: Bucket.content_write,
    Scope.admin: Bucket.admin,
}


async def _authenticate_limited(
    request: Request,
    services: Services,
    credentials: HTTPAuthorizationCredentials | None,
    scope: Scope,
) -> Principal:
    """Check the key off the loop, then count the request against the key (or, for a key
    that is missing or wrong, against the client address, so guessing keys is limited too)."""
    limiter: Limiter | None = request.app.state.limiter
    try:
        principal = await run_in_threadpool(_authenticate, services, credentials)
    except Unauthorized:
        await enforce(limiter, request.scope, _BUCKETS[scope], client_identity(request.scope))
        raise
    await enforce(limiter, request.scope, _BUCKETS[scope], "key:" + principal.name)
    if not principal.has(scope):
        raise Forbidden(f"This key lacks the {scope.value!r} scope.")
    return principal


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through only keys holding `scope` (or admin)."""

    async def dependency(
        request: Request,
        services: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        return await _authenticate_limited(request, services, credentials, scope)

    return dependency


ANONYMOUS = Principal(name="anonymous", scopes=frozenset())


def optional(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """Like `require`, but only when REQUIRE_API_KEYS is on; otherwise anyone may call.

    Async because it guards the hot path: with keys off it returns at once, and with keys
    on a remembered key costs no database round trip (a new one is looked up off the loop).
    """

    bucket = _BUCKETS[scope]

    async def dependency(
        request: Request,
        services: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if not services.settings.require_api_keys:
            await enforce(
                request.app.state.limiter, request.scope, bucket, client_identity(request.scope)
            )
            return ANONYMOUS
        return await _authenticate_limited(request, services, credentials, scope)

    return dependency


async def authorize_request(request: Request, scope: Scope) -> Principal:
    """The `optional(scope)` check for routes that skip the dependency machinery (hot path):
    with REQUIRE_API_KEYS off it costs one attribute read and one (in-memory) limiter hit."""
    services: Services = request.app.state.services
    if not services.settings.require_api_keys:
        await enforce(
            request.app.state.limiter,
            request.scope,
            _BUCKETS[scope],
            client_identity(request.scope),
        )
        return ANONYMOUS
    scheme, _, key = (request.headers.get("authorization") or "").partition(" ")
    credentials = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=key.strip()) if scheme else None
    )
    return await _authenticate_limited(request, services, credentials, scope)


def check_draft_reader(services: Services, authorization: str | None) -> None:
    """Drafts are visible only to a key holding content:write (raises otherwise)."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Drafts are visible only with a key that has content:write.")
    principal = services.keys.verify(key.strip())
    if principal is None:
        raise Unauthorized("The API key is not valid or has been revoked.")
    if not principal.has(Scope.content_write):
        raise Forbidden("Drafts are visible only with a key that has content:write.")


def limited_by_address(scope: Scope) -> Callable[..., Awaitable[None]]:
    """Only the rate limit of `scope`'s bucket, per client address (for keyless routes)."""
    bucket = _BUCKETS[scope]

    async def dependency(request: Request) -> None:
        await enforce(
            request.app.state.limiter, request.scope, bucket, client_identity(request.scope)
        )

    return dependency


BEARER_SECURITY: list[dict[str, list[str]]] = [{"HTTPBearer": []}]

ContentWriter = Annotated[Principal, Depends(require(Scope.content_write))]
Admin = Annotated[Principal, Depends(require(Scope.admin))]
ContentReader = Annotated[Principal, Depends(optional(Scope.content_read))]
