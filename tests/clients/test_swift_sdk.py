"""The Swift 5 models that openapi-generator makes from the spec have the shapes an iOS app needs.

There is no Swift toolchain here, so the test reads the generated sources: the generator
must not complain about the spec, every property of every answer an app decodes must have
the Swift type its schema means (required or optional included), the batch results must be
an enum over the two shapes chosen by `kind`, and no answer may reach an empty struct (what
generators make of an anyOf of scalars, which then fails to decode).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from tests.clients.openapi_generator import (
    SPEC,
    cached,
    complaints,
    fingerprint,
    generate,
    require_java,
)

# What apps decode: the answers of the assessment and content routes, and what they contain.
ANSWERS = (
    "AssessmentResponse",
    "AssessmentProblem",
    "BatchResponse",
    "CauseList",
    "TipList",
    "FaqList",
    "VersionSummary",
)
SCALARS = {"string": "String", "boolean": "Bool"}
INTEGERS = {"int32": "Int", "int64": "Int64", None: "Int"}
NUMBERS = {"double": "Double", "float": "Float", None: "Double"}


def build(out: Path) -> None:
    generate("swift5", out, ())


@pytest.fixture(scope="module")
def swift_client() -> Path:
    """The generated package, once per spec (see openapi_generator)."""
    require_java()
    return cached("swift5", fingerprint(SPEC.read_bytes(), version("openapi-generator-cli")), build)


@pytest.fixture(scope="module")
def models(swift_client: Path) -> Path:
    return swift_client / "OpenAPIClient" / "Classes" / "OpenAPIs" / "Models"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    return found


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def reachable(schemas: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    todo = list(ANSWERS)
    while todo:
        name = todo.pop(0)
        if name not in seen:
            seen.append(name)
            todo += refs(schemas[name])
    return seen


def swift_type(schema: dict[str, Any], enum_name: str) -> str:
    """The Swift type openapi-generator's swift5 gives a schema (without the optional mark)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    parts = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s != {"type": "null"}]
    if len(parts) == 1:
        return swift_type(parts[0], enum_name)
    if parts:  # a union of its own: a type named after the property
        return enum_name
    kind = schema.get("type")
    if isinstance(kind, list):  # ["integer", "null"]
        (kind,) = [k for k in kind if k != "null"]
    if "enum" in schema or "const" in schema:
        return enum_name
    if kind == "string" and schema.get("format") == "date-time":
        return "Date"
    if kind in SCALARS:
        return SCALARS[kind]
    if kind == "integer":
        return INTEGERS[schema.get("format")]
    if kind == "number":
        return NUMBERS[schema.get("format")]
    if kind == "array":
        items = schema["items"]
        inner = enum_name + ("Inner" if "oneOf" in items or "anyOf" in items else "")
        return f"[{swift_type(items, inner)}]"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        values = schema["additionalProperties"]
        return f"[String: {swift_type(values, enum_name) if values else 'AnyCodable'}]"
    if kind == "object" and schema.get("additionalProperties") is True:
        return "[String: AnyCodable]"
    assert kind is None, f"no mapping for {schema}"
    return "AnyCodable"  # no type at all: any JSON value


def nullable(schema: dict[str, Any]) -> bool:
    if not {"type", "$ref", "anyOf", "oneOf", "enum", "const"} & schema.keys():
        return True  # any JSON value, null too
    return {"type": "null"} in schema.get("anyOf", []) or "null" in (schema.get("type") or [])


def properties(source: str) -> dict[str, str]:
    """JSON name -> Swift type of a generated struct's stored properties."""
    types = dict(re.findall(r"^    public var (\w+): (.+)$", source, re.M))
    keys = re.search(r"public enum CodingKeys\b.*?\n    }", source, re.S)
    assert keys, source
    names = {
        swift: json_name or swift
        for swift, json_name in re.findall(r'^        case (\w+)(?: = "([^"]+)")?$', keys[0], re.M)
    }
    return {names[swift]: swift_kind for swift, swift_kind in types.items()}


def test_generation_has_no_warnings(swift_client: Path) -> None:
    log = (swift_client / "generator.log").read_text(encoding="utf-8")
    assert not complaints(log), "\n".join(complaints(log))


def test_answers_have_the_swift_types_of_their_schemas(
    models: Path, schemas: dict[str, Any]
) -> None:
    checked = []
    for name in reachable(schemas):
        schema = schemas[name]
        source = (models / f"{name}.swift").read_text(encoding="utf-8")
        if "properties" not in schema:
            assert re.search(rf"public enum {name}: String, Codable\b", source), name
            continue
        expected = {
            prop: swift_type(
                sub, prop[:1].upper() + re.sub(r"_(\w)", lambda m: m[1].upper(), prop)[1:]
            )
            + ("?" if prop not in schema.get("required", []) or nullable(sub) else "")
            for prop, sub in schema["properties"].items()
        }
        assert properties(source) == expected, name
        checked.append(name)
    assert {"AssessmentResponse", "RankedCause", "Evidence", "ItemProblem"} <= set(checked)


def test_evidence_value_is_any_json_value(models: Path) -> None:
    evidence = properties((models / "Evidence.swift").read_text(encoding="utf-8"))
    assert evidence["value"] == "AnyCodable?"
    assert evidence["display_value"] == "String"


def test_batch_results_are_an_enum_chosen_by_kind(models: Path) -> None:
    results = properties((models / "BatchResponse.swift").read_text(encoding="utf-8"))["results"]
    union = results.strip("[]")
    source = (models / f"{union}.swift").read_text(encoding="utf-8")
    assert re.search(rf"public enum {union}: Codable\b", source), source
    cases = dict(re.findall(r"^    case (\w+)\((\w+)\)$", source, re.M))
    assert sorted(cases.values()) == ["AssessmentResponse", "ItemProblem"], source
    assert 'case kind = "kind"' in source
    assert re.search(r'case "assessment":\s+self = \.\w+\(try AssessmentResponse\(', source)
    assert re.search(r'case "problem":\s+self = \.\w+\(try ItemProblem\(', source)


def test_no_answer_reaches_an_empty_struct(models: Path, schemas: dict[str, Any]) -> None:
    empty = {
        path.stem
        for path in models.glob("*.swift")
        if re.search(r"public struct \w+\b", path.read_text(encoding="utf-8"))
        and "public var" not in path.read_text(encoding="utf-8")
    }
    for name in reachable(schemas):
        source = (models / f"{name}.swift").read_text(encoding="utf-8")
        used = set(re.findall(r"^    public var \w+: \[?(?:String: )?(\w+)", source, re.M))
        assert not used & empty, f"{name} uses {used & empty}"
