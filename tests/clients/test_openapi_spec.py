"""The committed spec stays friendly to SDK generators: named shapes, readable operation ids.

Generators name whatever the spec leaves anonymous after where it happens to appear
(`GoldenExpectationTriageAnyType0Item`), and cannot type `patternProperties`; these checks
keep such shapes out before a generator has to meet them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
VERBS = "get|list|create|replace|patch|delete|validate|publish|rollback|diff|change"
OPERATION_ID = re.compile(rf"^({VERBS})_[a-z_]+$")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object below `node`, with a readable location."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}[{index}]")


def test_operation_ids_read_as_function_names(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, operation in operations(spec)]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    for where, operation in operations(spec):
        assert OPERATION_ID.match(operation["operationId"]), where
    assert {"create_assessment", "list_causes", "list_content_versions"} <= set(ids)


def test_every_request_body_is_a_named_schema(spec: dict[str, Any]) -> None:
    for where, operation in operations(spec):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            parts = media["schema"].get("anyOf", [media["schema"]])  # optional body: | null
            assert any("$ref" in part for part in parts), where
            assert all("$ref" in part or part == {"type": "null"} for part in parts), where


def test_no_pattern_properties(spec: dict[str, Any]) -> None:
    # Generators drop `patternProperties`: locale maps use additionalProperties + propertyNames.
    found = [where for where, node in walk(spec, "#") if "patternProperties" in node]
    assert not found


def test_an_enum_used_in_two_places_is_a_named_schema(spec: dict[str, Any]) -> None:
    inline = Counter(
        tuple(node["enum"])
        for where, node in walk(spec["components"]["schemas"], "#/components/schemas")
        if "enum" in node and where.count("/") > 3  # deeper than a component's own level
    )
    repeated = [values for values, count in inline.items() if count > 1]
    assert not repeated, f"name these enums (TypeAliasType or an Enum class): {repeated}"


def test_every_number_has_a_format(spec: dict[str, Any]) -> None:
    """Without one, Kotlin and Java generators type numbers as BigDecimal."""
    for where, node in walk(spec, "#"):
        if node.get("type") in ("number", "integer") and "/example" not in where:
            assert node.get("format") in ("double", "int32", "int64"), where


def test_optional_parameters_do_not_accept_null(spec: dict[str, Any]) -> None:
    """orval and others send `?content_version=null` for an `integer | null` parameter."""
    for where, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if not parameter["required"]:
                assert "anyOf" not in parameter["schema"], (where, parameter["name"])


def test_declared_tags_servers_license_and_security(spec: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in spec["tags"]}
    assert all(tag["description"] for tag in spec["tags"])
    assert spec["servers"] and spec["info"]["license"]["name"]
    for where, operation in operations(spec):
        assert set(operation["tags"]) <= declared, where
        assert "security" in operation, where
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/v1/causes"]["get"]["security"] == [{}, {"HTTPBearer": []}]
    assert spec["paths"]["/v1/admin/audit"]["get"]["security"] == [{"HTTPBearer": []}]


def test_batch_results_are_discriminated_by_kind(spec: dict[str, Any]) -> None:
    results = spec["components"]["schemas"]["BatchResponse"]["properties"]["results"]["items"]
    assert results["discriminator"]["propertyName"] == "kind"
    assert set(results["discriminator"]["mapping"]) == {"assessment", "problem"}
    for name in ("AssessmentResponse", "ItemProblem"):
        assert "kind" in spec["components"]["schemas"][name]["required"], name
    value = spec["components"]["schemas"]["Evidence"]["properties"]["value"]
    assert "type" not in value and "anyOf" not in value  # any JSON value, for Kotlin and Swift
