"""FastAPI dependencies, as `Annotated` aliases so routes stay one line per input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.auth.scopes import Scope
from app.auth.service import Principal
from app.content.cache import ContentCache
from app.core.dbfaults import unavailable
from app.core.errors import Forbidden, ServiceUnavailable, Unauthorized
from app.core.headers import header
from app.core.query import refuse_repeated
from app.core.ratelimit import (
    Bucket,
    Limiter,
    client_identity,
    end_user_id,
    enforce,
    enforce_caller,
    enforce_more_caller,
)
from app.services import Services

_bearer = HTTPBearer(
    auto_error=False,
    description=(
        "An API key: `Authorization: Bearer tg_...`. Admin operations always need one; "
        "reads and assessments only when REQUIRE_API_KEYS is on (their `security` lists `{}`)."
    ),
)


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


SEEN_VERSION_HEADER = "X-Content-Version-Seen"
SEEN_VERSION_DESCRIPTION = (
    "The `content_version` of the last answer this client got. A process that serves another "
    "version reads the current pointer before answering, so a client spread over workers and "
    "replicas is never answered with an older version than one it has seen. Ignored with "
    "`content_version` (a pinned version), and ignored when it is not a version number. "
    "Longer than 10 characters it is refused (422) by the content routes; the assessment "
    "routes ignore it, as they ignore any stray input rather than lose an answer."
)

SEEN_VERSION_MAX_LENGTH = 10  # 2**31 - 1, the largest version, has ten digits
# A string, not an integer: within its length, a value that is not a version is ignored.
SEEN_VERSION_SCHEMA: dict[str, Any] = {"type": "string", "maxLength": SEEN_VERSION_MAX_LENGTH}
# The header as the assessment routes declare it (they parse their own inputs).
SEEN_VERSION_PARAMETER = {
    "name": SEEN_VERSION_HEADER,
    "in": "header",
    "required": False,
    "description": SEEN_VERSION_DESCRIPTION,
    "schema": SEEN_VERSION_SCHEMA,
}


CLIENT_ID_PARAMETER = {
    "name": "X-Client-ID",
    "in": "header",
    "required": False,
    "description": (
        "For an app that serves many users with one key: a stable id of the end user (1 to "
        "128 visible ASCII characters, no spaces). The user then has a limit of their own "
        "within the caller's, which still counts every request, and a staged rollout buckets the "
        "user by it (they keep their version between requests); anything else is ignored."
    ),
    "schema": {"type": "string", "maxLength": 128},
}


def seen_version(raw: str | None) -> int | None:
    """The version a client says it has seen; anything else is no claim at all (so a stray
    header can never cost an assessment its answer)."""
    if (
        raw is None
        or not (0 < len(raw) <= SEEN_VERSION_MAX_LENGTH)
        or not (raw.isascii() and raw.isdigit())
    ):
        return None
    return int(raw)


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


def bearer_key(authorization: str | None) -> str | None:
    """The key of an `Authorization: Bearer <key>` header, else None."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None


def _verify(services: Services, key: str | None) -> Principal:
    """The key's principal (run off the loop: an unremembered key is one database read)."""
    if key is None:
        raise Unauthorized("An API key is required: send `Authorization: Bearer <key>`.")
    try:
        principal = services.keys.verify(key)
    except DBAPIError as exc:
        problem = unavailable(exc, "Keys cannot be checked while the database is unreachable.")
        if problem is None:
            raise
        raise problem from exc
    if principal is None:
        raise Unauthorized("The API key is not valid or has been revoked.")
    return principal


# Each route's scope is also its rate-limit bucket; one limiter hit per request, made here.
_BUCKETS: dict[Scope, Bucket] = {
    Scope.assess: Bucket.assess,
    Scope.content_read: Bucket.content_read,
    Scope.content_write: Bucket.content_write,
    Scope.admin: Bucket.admin,
    Scope.metrics: Bucket.content_read,
}

ANONYMOUS = Principal(name="anonymous", scopes=frozenset())


async def authorize(
    request: Request, scope: Scope, *, keys_required: bool, also: tuple[Scope, ...] = ()
) -> Principal:
    """The one authorisation check: verify the bearer key (when keys are required), count the
    request in `scope`'s rate-limit bucket, and refuse a key that lacks `scope`.

    A request is counted against its key, or, without a valid key, against the client
    address, so guessing keys is limited too; one that names its end user in `X-Client-ID`
    also against that user's share (`enforce_caller`). With keys not required it costs one
    attribute read and one in-memory limiter hit (the assessment hot path calls it on every
    request), two with `X-Client-ID`.
    """
    limiter: Limiter | None = request.app.state.limiter
    bucket = _BUCKETS[scope]
    if not keys_required:
        await enforce_caller(
            limiter, request.scope, bucket, client_identity(request.scope), _end_user(request)
        )
        return ANONYMOUS
    services: Services = request.app.state.services
    key = bearer_key(header(request.scope, "authorization"))
    try:
        principal = await run_in_threadpool(_verify, services, key)
    except Unauthorized:
        await enforce(limiter, request.scope, bucket, client_identity(request.scope))
        raise
    await enforce_caller(
        limiter, request.scope, bucket, "key:" + principal.name, _end_user(request)
    )
    if not principal.has(scope) and not any(principal.has(other) for other in also):
        raise Forbidden(f"This key lacks the {scope.value!r} scope.")
    return principal


async def charge_items(request: Request, scope: Scope, principal: Principal, items: int) -> None:
    """Count a batch's items beyond the first against the caller `authorize` counted the
    request for: a batch of 100 costs what 100 single requests cost (429 when they do not fit)."""
    identity = client_identity(request.scope) if principal is ANONYMOUS else "key:" + principal.name
    await enforce_more_caller(
        request.app.state.limiter,
        request.scope,
        _BUCKETS[scope],
        identity,
        _end_user(request),
        items - 1,
    )


def _end_user(request: Request) -> str | None:
    """The end user the calling app names in `X-Client-ID` (see `enforce_caller`)."""
    if request.app.state.limiter is None:
        return None  # nothing to count it for: skip reading the headers
    return client_id(request)


_CLIENT_ID_KEY = "tremor.client_id"
_UNREAD = object()


def client_id(request: Request) -> str | None:
    """`X-Client-ID` as `end_user_id` reads it, read once per request (the rate limit and
    the rollout's bucketing both need it)."""
    scope = request.scope
    value = scope.get(_CLIENT_ID_KEY, _UNREAD)
    if value is _UNREAD:
        value = scope[_CLIENT_ID_KEY] = end_user_id(header(scope, "x-client-id"))
    assert value is None or isinstance(value, str)
    return value


def rollout_identity(request: Request, principal: Principal) -> str:
    """Who a staged rollout buckets: the end user the app names, else the API key, else the
    client address (behind a proxy, the forwarded one: see app.core.proxy)."""
    named = client_id(request)
    if named is not None:
        return "client:" + named
    if principal is not ANONYMOUS:
        return "key:" + principal.name
    return client_identity(request.scope)


async def authorize_optional(request: Request, scope: Scope) -> Principal:
    """`authorize`, with keys required only when REQUIRE_API_KEYS is on."""
    services: Services = request.app.state.services
    return await authorize(request, scope, keys_required=services.settings.require_api_keys)


def require(scope: Scope, *, also: tuple[Scope, ...] = ()) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through only keys holding `scope`, one of `also`, or admin
    (counted in `scope`'s rate-limit bucket)."""

    # `_bearer` only declares the security scheme in the spec; `authorize` reads the header.
    async def dependency(
        request: Request, _credentials: Annotated[object, Depends(_bearer)]
    ) -> Principal:
        return await authorize(request, scope, keys_required=True, also=also)

    return dependency


def optional(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """Like `require`, but only when REQUIRE_API_KEYS is on; otherwise anyone may call."""

    async def dependency(
        request: Request, _credentials: Annotated[object, Depends(_bearer)]
    ) -> Principal:
        return await authorize_optional(request, scope)

    return dependency


_DRAFTS_NEED_WRITE = "Drafts are visible only with a key that has content:write."


async def draft_reader_check(request: Request, services: ServicesDep) -> Callable[[], None]:
    """A check the content service calls if the version asked for is a draft.

    The key is verified here, before the route's session touches the database: on SQLite
    that session holds the write lock, and a key lookup in a second session would wait on it.
    """
    key = bearer_key(header(request.scope, "authorization"))
    error: Exception | None = None
    if key is None:
        error = Unauthorized(_DRAFTS_NEED_WRITE)
    else:
        try:
            principal = await run_in_threadpool(_verify, services, key)
        except (Unauthorized, ServiceUnavailable) as exc:
            error = exc
        else:
            if not principal.has(Scope.content_write):
                error = Forbidden(_DRAFTS_NEED_WRITE)

    def check() -> None:
        if error is not None:
            raise error

    return check


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
# content:read or higher, keys always required: the admin reads of outcomes.
ContentAnalyst = Annotated[
    Principal, Depends(require(Scope.content_read, also=(Scope.content_write,)))
]
Assessor = Annotated[Principal, Depends(optional(Scope.assess))]
DraftReaderCheck = Annotated[Callable[[], None], Depends(draft_reader_check)]
MetricsReader = Annotated[Principal, Depends(optional(Scope.metrics))]
