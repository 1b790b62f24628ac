"""The Swift 6 client that openapi-generator makes from openapi/app.json has what an iOS app needs.

There is no Swift toolchain here, so the test reads the generated sources: the generator
must not complain about the spec, every property of every answer an app decodes (an
assessment, a 422, a batch, feedback, the lists, a version with its bundle) must have the
Swift type its schema means (required or optional included), the batch result must be one
struct chosen by `kind`, any-value fields `JSONValue`, no answer may reach an empty struct
(what generators make of an anyOf of scalars, which then fails to decode), and every enum
must decode a value it does not know as its last case (`enumUnknownDefaultCase`), where
Swift's default fails the whole answer.
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
    APP_SPEC,
    WHOLE_CLIENT,
    cached,
    complaints,
    fingerprint,
    generate,
    require_java,
)

# What apps decode: the answers of the assessment and content routes, and what they contain.
ANSWERS = (
    "TgAssessmentResponse",
    "TgAssessmentProblem",
    "TgBatchResponse",
    "TgFeedbackAccepted",
    "TgCauseList",
    "TgTipList",
    "TgFaqList",
    "TgVersionSummary",
    "TgVersionDetail",
)
OPTIONS = ("--additional-properties", "enumUnknownDefaultCase=true")
SCALARS = {"string": "String", "boolean": "Bool"}
ENUM_CONFORMANCE = "Sendable, Codable, CaseIterable, CaseIterableDefaultsLast"
INTEGERS = {"int32": "Int", "int64": "Int64", None: "Int"}
NUMBERS = {"double": "Double", "float": "Float", None: "Double"}


def build(out: Path) -> None:
    generate("swift6", out, OPTIONS, spec=APP_SPEC, parts=WHOLE_CLIENT)


@pytest.fixture(scope="module")
def swift_client() -> Path:
    """The generated package, once per spec (see openapi_generator)."""
    require_java()
    key = fingerprint(APP_SPEC.read_bytes(), version("openapi-generator-cli"), *OPTIONS)
    return cached("swift6", key, build)


@pytest.fixture(scope="module")
def models(swift_client: Path) -> Path:
    return swift_client / "Sources" / "OpenAPIClient" / "Models"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    spec = json.loads(APP_SPEC.read_text(encoding="utf-8"))
    found: dict[str, Any] = spec["components"]["schemas"]
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
    """The schemas an app decodes, map aliases left out (written inline, no file of their own)."""
    seen: list[str] = []
    todo = list(ANSWERS)
    while todo:
        name = todo.pop(0)
        if name not in seen:
            seen.append(name)
            todo += refs(schemas[name])
    return [
        name
        for name in seen
        if schemas[name].get("type") != "object" or "properties" in schemas[name]
    ]


def swift_type(schema: dict[str, Any], enum_name: str, schemas: dict[str, Any]) -> str:
    """The Swift type openapi-generator's swift6 gives a schema (without the optional mark)."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        target = schemas[name]
        if target.get("type") == "object" and "properties" not in target:
            return swift_type(target, enum_name, schemas)  # a map alias is written inline
        return name
    parts = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s != {"type": "null"}]
    if len(parts) == 1:
        return swift_type(parts[0], enum_name, schemas)
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
        return f"[{swift_type(items, inner, schemas)}]"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        values = schema["additionalProperties"]
        return f"[String: {swift_type(values, enum_name, schemas) if values else 'JSONValue'}]"
    if kind == "object" and schema.get("additionalProperties") is True:
        return "[String: JSONValue]"
    assert kind is None, f"no mapping for {schema}"
    return "JSONValue"  # no type at all: any JSON value


def nullable(schema: dict[str, Any]) -> bool:
    if not {"type", "$ref", "anyOf", "oneOf", "enum", "const"} & schema.keys():
        return True  # any JSON value, null too
    return {"type": "null"} in schema.get("anyOf", []) or "null" in (schema.get("type") or [])


def properties(source: str) -> dict[str, str]:
    """JSON name -> Swift type of a generated struct's stored properties."""
    # `public var name: Type` (or `Type? = default`: the default is not the type)
    types = dict(re.findall(r"^    public var (\w+): (.+?)(?: = .+)?$", source, re.M))
    keys = re.search(r"public enum CodingKeys\b.*?\n    }", source, re.S)
    assert keys, source
    names = {
        swift: json_name or swift
        for swift, json_name in re.findall(r'^        case (\w+)(?: = "([^"]+)")?$', keys[0], re.M)
    }
    # Computed properties (containsUnknownDefaultOpenApiCase) are not coded: not in CodingKeys.
    return {names[swift]: kind for swift, kind in types.items() if swift in names}


def test_generation_has_no_warnings(swift_client: Path) -> None:
    log = (swift_client / "generator.log").read_text(encoding="utf-8")
    assert not complaints(log), "\n".join(complaints(log))
    sources = "".join(p.read_text(encoding="utf-8") for p in swift_client.rglob("*.swift"))
    assert "ModelLocale" not in sources  # the notice about `locale` renamed nothing


def test_answers_have_the_swift_types_of_their_schemas(
    models: Path, schemas: dict[str, Any]
) -> None:
    checked = []
    for name in reachable(schemas):
        schema = schemas[name]
        source = (models / f"{name}.swift").read_text(encoding="utf-8")
        if "properties" not in schema:
            assert re.search(rf"public enum {name}: String, {ENUM_CONFORMANCE}", source), name
            continue
        expected = {
            prop: swift_type(
                sub,
                prop[:1].upper() + re.sub(r"_(\w)", lambda m: m[1].upper(), prop)[1:],
                schemas,
            )
            + ("?" if prop not in schema.get("required", []) or nullable(sub) else "")
            for prop, sub in schema["properties"].items()
        }
        assert properties(source) == expected, name
        checked.append(name)
    wanted = {"TgAssessmentResponse", "TgRankedCause", "TgEvidence", "TgBatchResult", "TgBundle"}
    assert wanted <= set(checked)
    assert "TgCondition" in checked  # a bundle's rules: its value was an empty struct


def test_any_value_fields_are_json_values(models: Path) -> None:
    evidence = properties((models / "TgEvidence.swift").read_text(encoding="utf-8"))
    assert evidence["value"] == "JSONValue?"
    assert evidence["display_value"] == "String"
    condition = properties((models / "TgCondition.swift").read_text(encoding="utf-8"))
    assert condition["value"] == "JSONValue?"


def test_batch_results_are_one_struct_chosen_by_kind(models: Path) -> None:
    results = properties((models / "TgBatchResponse.swift").read_text(encoding="utf-8"))["results"]
    assert results == "[TgBatchResult]"
    source = (models / "TgBatchResult.swift").read_text(encoding="utf-8")
    assert re.search(r"public struct TgBatchResult: Sendable, Codable\b", source), source
    fields = properties(source)
    assert fields["kind"] == "Kind"
    assert fields["causes"] == "[TgRankedCause]?" and fields["errors"] == "[TgFieldError]?"
    assert re.search(r'case assessment = "assessment"\s+case problem = "problem"', source)


def test_every_enum_decodes_an_unknown_value_as_its_last_case(
    swift_client: Path, models: Path
) -> None:
    enums = 0
    for path in models.glob("*.swift"):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r"public enum (\w+): String, ([\w, ]+) \{(.*?)\n\s*\}", source, re.S
        ):
            name, conformance, body = match.groups()
            if name == "CodingKeys":  # the JSON names of a struct, not a value
                continue
            enums += 1
            assert "CaseIterableDefaultsLast" in conformance, f"{path.stem}.{name}"
            cases = re.findall(r"case (\w+) = ", body)
            assert cases[-1] == "unknownDefaultOpenApi", f"{path.stem}.{name}"
    assert enums > 20
    infrastructure = next(swift_client.rglob("Models.swift")).read_text(encoding="utf-8")
    fallback = re.search(r"extension CaseIterableDefaultsLast \{.*?\n\}", infrastructure, re.S)
    assert fallback and "Self.allCases.last" in fallback[0]


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
