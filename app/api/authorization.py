"""Authorisation: the bearer key, the rate limit of the scope's bucket and the scope, checked
once per request by `authorize`; the route dependencies built on it (`require`, `optional`,
and the `Annotated` aliases routes declare), and the check of a draft's reader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from app.api.deps import ServicesDep
from app.api.identity import ANONYMOUS
from app.api.rate_limits import BUCKETS, end_user
from app.auth.scopes import Scope
from app.auth.service import Principal
from app.core.dbfaults import unavailable
from app.core.errors import Forbidden, ServiceUnavailable, Unauthorized
from app.core.headers import header
from app.core.ratelimit import Limiter, client_identity, enforce, enforce_caller
from app.services import Services

_bearer = HTTPBearer(
    auto_error=False,
    description=(
        "An API key: `Authorization: Bearer tg_...`. Admin operations always need one; "
        "reads and assessments only when REQUIRE_API_KEYS is on (their `security` lists `{}`)."
    ),
)


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
    bucket = BUCKETS[scope]
    if not keys_required:
        await enforce_caller(
            limiter, request.scope, bucket, client_identity(request.scope), end_user(request)
        )
        return ANONYMOUS
    services: Services = request.app.state.services
    key = bearer_key(header(request.scope, "authorization"))
    try:
        principal = await run_in_threadpool(_verify, services, key)
    except Unauthorized:
        await enforce(limiter, request.scope, bucket, client_identity(request.scope))
        raise
    await enforce_caller(limiter, request.scope, bucket, "key:" + principal.name, end_user(request))
    if not principal.has(scope) and not any(principal.has(other) for other in also):
        raise Forbidden(f"This key lacks the {scope.value!r} scope.")
    return principal


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
