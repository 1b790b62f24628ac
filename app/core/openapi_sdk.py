"""Rules that make the finished spec map cleanly in every SDK generator.

openapi-generator (kotlin with gson, moshi or kotlinx; swift6), openapi-typescript and
openapi-python-client each read a few JSON Schema shapes badly: a `const` becomes an enum
whose default no longer compiles, a discriminated `oneOf` an interface nothing implements, an
`anyOf` of scalars an empty class, and a component named `Activity` or `Bundle` clashes with
an Android or Apple type. Each rule below rewrites one such shape wherever it occurs, so
schemas added later are covered without a list of names; none changes what goes on the wire.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.core.bounds import MAX_IF_NONE_MATCH

# One rule for every schema name: a prefix no platform type carries (Android's Activity and
# Bundle, SwiftUI's Environment, TipKit's Tip, Foundation's Bundle, ...).
SCHEMA_PREFIX = "Tg"
SCHEMA_REF = "#/components/schemas/"
HEADER_REF = "#/components/headers/"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_NULL = {"type": "null"}
_VALUES = frozenset({"example", "examples", "default", "enum", "const"})

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id: the one sent (when acceptable), else a new one.",
        "schema": {"type": "string", "maxLength": 128},
    },
    "ETag": {
        "description": "The entity tag of this answer; send it as If-None-Match to get a 304.",
        "schema": {"type": "string", "maxLength": 128},
    },
    "Cache-Control": {
        "description": "How long the answer may be reused (a pinned version: a day, immutable).",
        "schema": {"type": "string", "maxLength": 128},
    },
    "Content-Language": {
        "description": "The locale of the texts in this answer.",
        "schema": {"type": "string", "maxLength": 35},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "format": "int32", "minimum": 0},
    },
    "RateLimit-Limit": {
        "description": "The requests allowed in the window of the limit that applies.",
        "schema": {"type": "integer", "format": "int32", "minimum": 0},
    },
    "RateLimit-Remaining": {
        "description": "The requests left in the current window.",
        "schema": {"type": "integer", "format": "int32", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the current window ends.",
        "schema": {"type": "integer", "format": "int32", "minimum": 0},
    },
}
_RATE_LIMIT = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the copy the client holds: a 304 without a body if current.",
    "schema": {"type": "string", "maxLength": MAX_IF_NONE_MATCH},
}


def for_sdks(spec: dict[str, Any]) -> dict[str, Any]:
    """Apply every rule to the finished spec, in place (formats must already be set)."""
    _name_parameter_enums(spec)
    _prefix_schema_names(spec)
    for schema in _schemas(spec):
        _replace_const(schema)
        _integral_bounds(schema)
    _flatten_discriminated_unions(spec)
    for schema in _schemas(spec):
        _any_value_for_scalar_unions(schema)
    _declare_headers(spec)
    _unify_integer_formats(spec)
    return spec


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _schemas(node: Any, names: bool = False) -> Iterator[dict[str, Any]]:
    """Every object below `node` but inside example values; `names`: `node` maps names to
    schemas, so its keys are never keywords."""
    if isinstance(node, dict):
        if not names:
            yield node
        for key, value in node.items():
            if names or key not in _VALUES:
                yield from _schemas(value, not names and key in ("properties", "schemas"))
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


def _name_parameter_enums(spec: dict[str, Any]) -> None:
    """An enum (or const) of a parameter becomes a schema named after the parameter, so an
    SDK gets `Explain` rather than `Explain_createAssessment`."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for _, _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if "enum" not in schema and "const" not in schema:
                continue
            name = _camel(parameter["name"])
            named = {k: v for k, v in schema.items() if k not in ("description", "default")}
            if schemas.setdefault(name, named) != named:
                raise ValueError(f"parameter {parameter['name']} has two enums under one name")
            kept = {k: v for k, v in schema.items() if k in ("description", "default")}
            parameter["schema"] = {"$ref": SCHEMA_REF + name, **kept}


def _replace_const(schema: dict[str, Any]) -> None:
    """`const` as bounds (numbers) or a one-value enum (strings): Kotlin turns a const into an
    enum whose default no longer type-checks."""
    if "const" not in schema:
        return
    value = schema.pop("const")
    if isinstance(value, bool) or not isinstance(value, int | float):
        schema["enum"] = [value]
    else:
        schema["minimum"] = schema["maximum"] = value


def _integral_bounds(schema: dict[str, Any]) -> None:
    """`maximum: 599.0` on an integer as `599` (some generators then type the bound as a float)."""
    if schema.get("type") != "integer":
        return
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = schema.get(key)
        if isinstance(bound, float) and bound.is_integer():
            schema[key] = int(bound)


def _flatten_discriminated_unions(spec: dict[str, Any]) -> None:
    """A component that is a discriminated oneOf of objects becomes one object: generators
    disagree on unions (gson: an interface no class implements), all agree on an object.

    Every member's properties, optional but the discriminator (an enum of the mapping's
    values) and what every member requires; same wire format, one class in every SDK."""
    schemas = spec.get("components", {}).get("schemas", {})
    for name, union in list(schemas.items()):
        discriminator = union.get("discriminator")
        if not discriminator or "oneOf" not in union:
            continue
        key = discriminator["propertyName"]
        members = {
            tag: schemas[ref.removeprefix(SCHEMA_REF)]
            for tag, ref in discriminator["mapping"].items()
        }
        properties: dict[str, Any] = {}
        for member in members.values():
            for prop, sub in member.get("properties", {}).items():
                if prop != key:
                    properties[prop] = _either(properties.get(prop), sub, f"{name}.{prop}")
        properties = {
            key: {
                "type": "string",
                "enum": list(members),
                "description": f"Which shape this is: {', '.join(f'`{t}`' for t in members)}.",
            },
            **properties,
        }
        required = set.intersection(*(set(m.get("required", [])) for m in members.values()))
        shapes = "; ".join(
            f"`{tag}`: the fields of {ref.removeprefix(SCHEMA_REF)}"
            for tag, ref in discriminator["mapping"].items()
        )
        schemas[name] = {
            "type": "object",
            "title": union.get("title", name),
            "description": f"{union.get('description', name)} Chosen by `{key}`: {shapes}.",
            "properties": properties,
            "required": [key, *sorted(required - {key})],
        }


def _either(known: dict[str, Any] | None, new: dict[str, Any], where: str) -> dict[str, Any]:
    """The schema of a property two members share: the same, or one that also allows null."""
    if known is None or known == new:
        return new
    for plain, nullable in ((known, new), (new, known)):
        parts = nullable.get("anyOf", [])
        if _NULL in parts and [p for p in parts if p != _NULL] == [_bare(plain)]:
            return nullable
    raise ValueError(f"{where} has different types in the members of its union")


def _bare(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in ("description", "title")}


def _any_value_for_scalar_unions(schema: dict[str, Any]) -> None:
    """An anyOf/oneOf of two or more scalar or array shapes becomes any JSON value: Kotlin's
    and Swift's generators make an empty class of it that fails to decode; `kotlin.Any?` and
    `AnyCodable` read it, and the description says what it holds."""
    for keyword in ("anyOf", "oneOf"):
        variants = schema.get(keyword)
        if not isinstance(variants, list):
            continue
        kept = [v for v in variants if v != _NULL]
        if len(kept) < 2 or any("$ref" in v or v.get("type") == "object" for v in kept):
            continue
        kinds = ", ".join(_kind(v) for v in kept) + (
            ", or null" if len(kept) < len(variants) else ""
        )
        description = schema.get("description", "").rstrip()
        schema.clear()
        schema["description"] = f"{description} One of: {kinds}.".strip()


def _kind(schema: dict[str, Any]) -> str:
    if schema.get("type") == "array":
        return f"a list of {_kind(schema.get('items', {}))}s"
    return str(schema.get("type", "value"))


def _declare_headers(spec: dict[str, Any]) -> None:
    """Declare the headers the middleware and the read routes send, by rule:

    X-Request-ID on every answer; RateLimit-* on every answer of a limited operation (one
    that can answer 429) and Retry-After on its 429 and 503; ETag and Cache-Control on the
    200 and 304 of an operation that can answer 304, which also takes If-None-Match;
    Content-Language on the 200 of an operation that takes `locale`."""
    spec.setdefault("components", {})["headers"] = {name: dict(h) for name, h in HEADERS.items()}
    for _, _, operation in operations(spec):
        responses = operation.get("responses", {})
        parameters = operation.get("parameters", [])
        limited = "429" in responses
        conditional = "304" in responses
        localized = any(p["name"] == "locale" and p["in"] == "query" for p in parameters)
        if conditional and not any(p["name"].lower() == "if-none-match" for p in parameters):
            operation["parameters"] = [*parameters, dict(IF_NONE_MATCH)]
        for status, response in responses.items():
            names = ["X-Request-ID"]
            if limited:
                names += _RATE_LIMIT
            if status in ("429", "503"):
                names.append("Retry-After")
            if conditional and status in ("200", "304"):
                names += ["ETag", "Cache-Control"]
            if localized and status == "200":
                names.append("Content-Language")
            headers = response.setdefault("headers", {})
            for header in names:
                headers.setdefault(header, {"$ref": HEADER_REF + header})


def _unify_integer_formats(spec: dict[str, Any]) -> None:
    """A property or parameter name has one integer width everywhere (the widest seen), so
    `content_version` read from an answer can be passed back as a parameter unchanged."""
    named: dict[str, list[dict[str, Any]]] = {}
    for schema in _schemas(spec):
        for prop, sub in schema.get("properties", {}).items():
            named.setdefault(prop, []).extend(_integers(sub))
    for _, _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            named.setdefault(parameter["name"], []).extend(_integers(parameter["schema"]))
    for found in named.values():
        if len({s["format"] for s in found}) > 1:
            for schema in found:
                schema["format"] = "int64"


def _integers(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if schema.get("type") == "integer" and "format" in schema:
        yield schema
    for variant in schema.get("anyOf", []):
        yield from _integers(variant)


def _prefix_schema_names(spec: dict[str, Any]) -> None:
    """Every component schema gets SCHEMA_PREFIX, and every reference follows."""
    schemas = spec.get("components", {}).get("schemas", {})
    renamed = {name: SCHEMA_PREFIX + name for name in schemas}
    spec["components"]["schemas"] = {
        renamed[name]: {**schema, "title": renamed[name]} if schema.get("title") == name else schema
        for name, schema in schemas.items()
    }
    _rewrite_refs(spec, renamed, set())


def _rewrite_refs(node: Any, renamed: dict[str, str], done: set[int]) -> None:
    """Rename references in place; `done` holds the objects already seen, as FastAPI shares
    some between operations."""
    if id(node) in done:
        return
    done.add(id(node))
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
            node["$ref"] = SCHEMA_REF + renamed[ref.removeprefix(SCHEMA_REF)]
        mapping = node.get("mapping")  # a discriminator's: values are references too
        if isinstance(mapping, dict):
            for tag, target in mapping.items():
                mapping[tag] = SCHEMA_REF + renamed[target.removeprefix(SCHEMA_REF)]
        for value in node.values():
            _rewrite_refs(value, renamed, done)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, renamed, done)
