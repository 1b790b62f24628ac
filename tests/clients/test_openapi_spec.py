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
VERBS = "get|list|create|replace|patch|delete|validate|publish|rollback|diff"
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
