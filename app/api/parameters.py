"""Request inputs the routes read themselves, as the spec declares them: the
`X-Content-Version-Seen` and `X-Client-ID` headers and the bearer security requirement
(fragments an operation's `openapi_extra` adds), and how a seen version is read."""

from __future__ import annotations

from typing import Any

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

# The requirement of `app.api.auth`'s bearer scheme (FastAPI names it after its class), for
# operations that declare their security themselves.
BEARER_SECURITY: list[dict[str, list[str]]] = [{"HTTPBearer": []}]


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
