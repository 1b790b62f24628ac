"""What a request costs in the rate limits: the bucket of each scope, the end user counted
beside the caller, and a batch's extra items. `app.api.auth.authorize` makes the one hit
per request; `app.core.ratelimit` holds the limiter."""

from __future__ import annotations

from fastapi import Request

from app.api.identity import ANONYMOUS, client_id
from app.auth.scopes import Scope
from app.auth.service import Principal
from app.core.ratelimit import Bucket, client_identity, enforce_more_caller

# Each route's scope is also its rate-limit bucket.
BUCKETS: dict[Scope, Bucket] = {
    Scope.assess: Bucket.assess,
    Scope.content_read: Bucket.content_read,
    Scope.content_write: Bucket.content_write,
    Scope.admin: Bucket.admin,
    Scope.metrics: Bucket.content_read,
}


def end_user(request: Request) -> str | None:
    """The end user the calling app names in `X-Client-ID` (see `enforce_caller`)."""
    if request.app.state.limiter is None:
        return None  # nothing to count it for: skip reading the headers
    return client_id(request)


async def charge_items(request: Request, scope: Scope, principal: Principal, items: int) -> None:
    """Count a batch's items beyond the first against the caller `authorize` counted the
    request for: a batch of 100 costs what 100 single requests cost (429 when they do not fit)."""
    identity = client_identity(request.scope) if principal is ANONYMOUS else "key:" + principal.name
    await enforce_more_caller(
        request.app.state.limiter,
        request.scope,
        BUCKETS[scope],
        identity,
        end_user(request),
        items - 1,
    )
