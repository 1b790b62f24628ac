"""Choosing the answer's locale: ?locale=, else Accept-Language (q-values), else default."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

MAX_ACCEPT_LANGUAGE: Final = 512
"""Longer Accept-Language headers are ignored (the default locale answers), on every route:
real browsers send well under 100 characters, and the cache must not hold megabyte keys."""


def _parse_accept_language(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate_locale(
    requested: str | None, accept_language: str | None, available: Sequence[str], default: str
) -> str:
    """Pick the best available locale; a region falls back to its language (es-MX -> es).

    `?locale=` comes first, then the Accept-Language preferences by q-value (a requested
    locale that is not available falls through to them), then the default: an unknown
    locale never fails, and neither does a header over `MAX_ACCEPT_LANGUAGE` characters
    (it is ignored). The header is capped and normalised before it reaches the cache.
    """
    if accept_language is not None:
        if len(accept_language) > MAX_ACCEPT_LANGUAGE:
            accept_language = None
        else:  # "es-MX, es;q=0.9" and "ES-mx,es; q=0.9" are one cache entry
            accept_language = "".join(accept_language.split()).lower() or None
    return _negotiate(requested, accept_language, tuple(available), default)


@lru_cache(maxsize=512)
def _negotiate(
    requested: str | None, accept_language: str | None, available: tuple[str, ...], default: str
) -> str:
    """Cached because apps send the same few headers again and again; at most 512 entries
    of at most `MAX_ACCEPT_LANGUAGE` characters each."""
    candidates: list[str] = []
    if requested:
        candidates.append(requested.strip().lower())
    if accept_language:
        candidates.extend(_parse_accept_language(accept_language))
    for tag in candidates:
        tag = tag.replace("_", "-")
        if tag in available:
            return tag
        language = tag.split("-", 1)[0]
        if language in available:
            return language
    return default
