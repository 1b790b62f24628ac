"""Request headers read as one dict per request, for the few the hot path asks for.

Starlette's `request.headers.get` walks the raw header list and decodes every name on each
call; an assessment asks for four or five headers, so the list is decoded once instead and
kept in the ASGI scope (docs/performance.md, "Pieces").
"""

from __future__ import annotations

from starlette.types import Scope

_KEY = "tremor.headers"


def header(scope: Scope, name: str) -> str | None:
    """The first value of the (lower-case) header `name`, as Starlette would give it."""
    headers: dict[str, str] | None = scope.get(_KEY)
    if headers is None:
        headers = {}
        for key, value in reversed(scope["headers"]):  # the first of repeated ones wins
            headers[key.decode("latin-1")] = value.decode("latin-1")
        scope[_KEY] = headers
    return headers.get(name)
