"""Who a request comes from: the anonymous principal, the end user an app names in
`X-Client-ID`, and the identity a staged rollout buckets a caller by."""

from __future__ import annotations

from fastapi import Request

from app.auth.service import Principal
from app.core.headers import header
from app.core.ratelimit import client_identity, end_user_id

# The principal of a request when keys are not required: it holds no scope.
ANONYMOUS = Principal(name="anonymous", scopes=frozenset())

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
