"""The last pass over the generated spec, for what SDK generators and linters need.

FastAPI writes a correct OpenAPI 3.1 document, but generators read some of it loosely:
a number without `format` becomes BigDecimal in Kotlin and Java, an optional query parameter
declared as `integer | null` makes orval send `?content_version=null` (a 422), and an
operation without `security` fails Redocly's `security-defined`. The pass fixes those on the
finished document, so the route and model declarations stay plain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from app.core.bounds import MAX_INT32

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
BEARER: dict[str, list[str]] = {"HTTPBearer": []}
# `{}` first: no credentials is a valid way to call (REQUIRE_API_KEYS=false, the default).
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"HTTPBearer": []}]
_MIN_INT32 = -MAX_INT32 - 1


def finish(spec: dict[str, Any], *, keyed_prefixes: Iterable[str]) -> dict[str, Any]:
    """Formats on numbers, non-null optional parameters and explicit security, in place.

    Operations under `keyed_prefixes` always need a key; the other keyed operations need
    one only with REQUIRE_API_KEYS, so their key is optional; those without any stay public.
    """
    prefixes = tuple(keyed_prefixes)
    for path, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            if not parameter.get("required"):
                parameter["schema"] = _without_null(parameter["schema"])
        security = operation.get("security")
        if not security:
            operation["security"] = []
        elif security == [BEARER] and not path.startswith(prefixes):
            operation["security"] = OPTIONAL_BEARER
    for schema in _schemas(spec):
        _add_format(schema)
    return spec


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, operation


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` as X (keeping the outer description and default)."""
    variants = schema.get("anyOf")
    if not isinstance(variants, list):
        return schema
    kept = [variant for variant in variants if variant != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(variants):
        return schema
    outer = {key: value for key, value in schema.items() if key != "anyOf"}
    if outer.get("default", 0) is None:
        del outer["default"]
    return {**kept[0], **outer}


_VALUES = frozenset({"example", "examples", "default", "enum", "const"})


def _schemas(node: Any, names: bool = False) -> Iterator[dict[str, Any]]:
    """Every object below `node` but inside example values (only typed ones are changed);
    `names`: `node` maps names to schemas, so its keys are never keywords."""
    if isinstance(node, dict):
        if not names:
            yield node
        for key, value in node.items():
            if names or key not in _VALUES:
                yield from _schemas(value, not names and key in ("properties", "schemas"))
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _add_format(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if not isinstance(kind, str) or "format" in schema:
        return
    if kind == "number":
        schema["format"] = "double"
    elif kind == "integer":
        fits = (
            schema.get("maximum", MAX_INT32 + 1) <= MAX_INT32
            and schema.get("minimum", _MIN_INT32 - 1) >= _MIN_INT32
        )
        schema["format"] = "int32" if fits else "int64"
