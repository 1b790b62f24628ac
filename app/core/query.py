"""Scalar query parameters are given once: a repeated one is refused, never silently picked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from fastapi.exceptions import RequestValidationError
from starlette.datastructures import QueryParams


def refuse_repeated(params: QueryParams, names: Collection[str]) -> None:
    """A 422 naming each parameter of `names` that the query gives more than once."""
    counts = Counter(key for key, _ in params.multi_items() if key in names)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "must be given at most once", "type": "repeated"}
                for name in repeated
            ]
        )
