"""RFC 9457 problem details: one error base class, one set of handlers, documented schemas."""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://tremor-guide.dev/problems/"

logger = logging.getLogger("app.errors")


class FieldError(BaseModel):
    """One wrong field of a request."""

    loc: str = Field(description="Dotted path of the field, e.g. hydration.fluid_intake_ml.")
    message: str = Field(description="What is wrong with it.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="A URI that identifies the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(ge=100, le=599, description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(
        default=None, description="The wrong fields, for validation problems."
    )


class ProblemError(Exception):
    """Base of every error the service raises on purpose; it carries its own status."""

    status: int = 500
    title: str = "Internal Server Error"
    slug: str = "internal"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class BadRequest(ProblemError):
    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="tremor-guide"'})


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(ProblemError):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(ProblemError):
    status, title, slug = 412, "Precondition Failed", "precondition-failed"


class PayloadTooLarge(ProblemError):
    status, title, slug = 413, "Content Too Large", "payload-too-large"


class UnsupportedMediaType(ProblemError):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class Unprocessable(ProblemError):
    status, title, slug = 422, "Unprocessable Content", "validation"


class TooManyRequests(ProblemError):
    status, title, slug = 429, "Too Many Requests", "rate-limited"


class ServiceUnavailable(ProblemError):
    status, title, slug = 503, "Service Unavailable", "unavailable"


class ErrorKind(StrEnum):
    """What went wrong, in a domain's terms; `install_error_handlers` maps each to a status."""

    not_found = "not_found"
    conflict = "conflict"
    stale = "stale"  # the caller's copy is out of date (an If-Match that no longer matches)
    invalid = "invalid"
    unavailable = "unavailable"


class DomainError(Exception):
    """Base of the errors services raise: named for the domain, free of HTTP."""

    kind: ClassVar[ErrorKind]

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.extra = dict(extra or {})


_PROBLEM_FOR_KIND: dict[ErrorKind, type[ProblemError]] = {
    ErrorKind.not_found: NotFound,
    ErrorKind.conflict: Conflict,
    ErrorKind.stale: PreconditionFailed,
    ErrorKind.invalid: Unprocessable,
    ErrorKind.unavailable: ServiceUnavailable,
}


def as_problem(exc: DomainError) -> ProblemError:
    """The one mapping from a domain error to the problem document it is answered with."""
    return _PROBLEM_FOR_KIND[exc.kind](exc.detail, errors=exc.errors, extra=exc.extra)


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    slug: str | None = None,
    title: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """Render a problem document with the problem+json media type."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or str(status)),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = [e.model_dump() for e in errors]
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def format_loc(loc: Sequence[int | str]) -> str:
    """Turn pydantic's location tuple into the dotted field path the contract shows."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    # Tagged/union wrappers such as "function-after[...]" say nothing to a client.
    parts = [p for p in parts if not (isinstance(p, str) and "[" in p)]
    return ".".join(str(p) for p in parts) or "body"


def validation_errors(raw: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic errors as field errors; input values are never echoed (they may be secrets)."""
    return [
        FieldError(loc=format_loc(err.get("loc", ())), message=str(err.get("msg", "is invalid")))
        for err in raw
    ]


async def problem_error_handler(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DomainError):
        exc = as_problem(exc)
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        exc.detail,
        instance=request.url.path,
        slug=exc.slug,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


# FastAPI answers 400 with this detail when a body cannot even be decoded (not UTF-8, or
# nested deeper than the JSON parser goes); the hot path reports the same bodies as 422.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
        why = (
            "is nested too deeply"
            if isinstance(exc.__cause__, RecursionError)
            else "is not UTF-8 encoded JSON"
        )
        return problem_response(
            422,
            f"The request body cannot be parsed: it {why}.",
            instance=request.url.path,
            slug="validation",
            errors=[FieldError(loc="body", message=why)],
        )
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    headers = exc.headers
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        allow = _allowed_methods(request, (headers or {}).get("Allow"))
        if allow:
            headers = {**(headers or {}), "Allow": allow}
    return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)


_HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options", "trace"})
_PATH_METHODS: weakref.WeakKeyDictionary[Any, list[tuple[re.Pattern[str], str]]] = (
    weakref.WeakKeyDictionary()
)


def _documented_methods(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """Each path of the app's spec as a pattern, with its methods as an Allow value."""
    paths = _PATH_METHODS.get(app)
    if paths is None:
        paths = []
        for template, item in app.openapi().get("paths", {}).items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            methods = sorted(m.upper() for m in item if m in _HTTP_METHODS)
            paths.append((re.compile(pattern + "$"), ", ".join(methods)))
        _PATH_METHODS[app] = paths
    return paths


def _allowed_methods(request: Request, fallback: str | None) -> str | None:
    """Every documented method of the path: Starlette's 405 names only the methods of the
    first route that matched it, so a path served by two routes (a draft's PUT and DELETE)
    lost one."""
    path = request.url.path
    for pattern, methods in _documented_methods(request.app):
        if pattern.match(path):
            return methods
    return fallback


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    named = ", ".join(dict.fromkeys(e.loc for e in errors[:5]))
    return problem_response(
        422,
        f"The request is not valid: {named}.",
        instance=request.url.path,
        slug="validation",
        errors=errors,
    )


async def unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "An unexpected error occurred; it has been logged.", instance=request.url.path
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, FastAPI's own included, a problem+json document."""
    app.add_exception_handler(ProblemError, problem_error_handler)
    app.add_exception_handler(DomainError, problem_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, unhandled_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that documents problem answers in the OpenAPI spec."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "model": Problem,
            "description": _TITLES.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
