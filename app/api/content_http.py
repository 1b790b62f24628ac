"""Shared HTTP plumbing of the read API: version and locale selection, ETags and 304s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response

from app.api.authorization import ContentReader
from app.api.deps import ServicesDep, catch_up_with_client
from app.api.parameters import SEEN_VERSION_HEADER, SEEN_VERSION_MAX_LENGTH
from app.content.cache import LoadedVersion
from app.content.views import LocaleView, make_etag
from app.core.bounds import MAX_IF_NONE_MATCH, MAX_INT32
from app.core.errors import FieldError, Unprocessable
from app.core.locale import negotiate_locale

CURRENT_MAX_AGE = "public, max-age=60"
PINNED_MAX_AGE = "public, max-age=86400, immutable"

VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=MAX_INT32, description="Pin a published content version; default: current."),
]
LocaleQuery = Annotated[
    str | None,
    Query(
        max_length=35,
        pattern=r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$",
        description="Locale of the texts, e.g. en or es-MX; default from Accept-Language.",
    ),
]


@dataclass(frozen=True, slots=True)
class ReadContext:
    """The version and locale view a read answers from, and whether it was pinned."""

    loaded: LoadedVersion
    view: LocaleView
    pinned: bool


async def read_context(
    services: ServicesDep,
    _reader: ContentReader,
    content_version: VersionQuery = None,
    locale: LocaleQuery = None,
    # No max_length: an over-long header is ignored (default locale), as on the assessments.
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
    # Validated here, declared once for every route by SEEN_VERSION_PARAMETER (_read_route).
    seen: Annotated[
        str | None,
        Header(
            alias=SEEN_VERSION_HEADER,
            max_length=SEEN_VERSION_MAX_LENGTH,
            include_in_schema=False,
        ),
    ] = None,
) -> ReadContext:
    await catch_up_with_client(services, seen, content_version)
    loaded = services.cache.get(content_version)
    chosen = negotiate_locale(locale, accept_language, loaded.locales, loaded.bundle.default_locale)
    return ReadContext(loaded=loaded, view=loaded.view(chosen), pinned=content_version is not None)


ReadContextDep = Annotated[ReadContext, Depends(read_context)]


def not_modified_or_tag(
    request: Request, response: Response, ctx: ReadContext, *resource: object
) -> Response | None:
    """Set ETag and caching headers; return a 304 when the client's copy is current."""
    etag = make_etag(ctx.view.etag_seed, *resource)
    headers = {
        "ETag": etag,
        "Cache-Control": PINNED_MAX_AGE if ctx.pinned else CURRENT_MAX_AGE,
        "Content-Language": ctx.view.locale,
        "Vary": "Accept-Language",
    }
    if if_none_match_holds(request, etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return None


def if_none_match_holds(request: Request, etag: str) -> bool:
    """Whether the client's copy, named by If-None-Match, is the one tagged `etag`."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and len(if_none_match) > MAX_IF_NONE_MATCH:
        raise Unprocessable(
            "The request is not valid: If-None-Match.",
            errors=[
                FieldError(
                    loc="header.if-none-match",
                    message=f"String should have at most {MAX_IF_NONE_MATCH} characters",
                )
            ],
        )
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return if_none_match.strip() == "*" or etag in tags
