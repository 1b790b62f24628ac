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


def test_batch_results_are_one_object_chosen_by_kind(spec: dict[str, Any]) -> None:
    """gson, moshi, kotlinx, swift6 and TypeScript all decode one object; a discriminated
    oneOf became an interface no class implements (gson) or a sealed class none extends."""
    schemas = spec["components"]["schemas"]
    results = schemas["TgBatchResponse"]["properties"]["results"]["items"]
    assert results == {"$ref": "#/components/schemas/TgBatchResult"}
    result = schemas["TgBatchResult"]
    assert result["required"] == ["kind"]
    assert result["properties"]["kind"]["enum"] == ["assessment", "problem"]
    for member in ("TgAssessmentResponse", "TgItemProblem"):
        assert set(schemas[member]["properties"]) <= set(result["properties"]), member
    value = schemas["TgEvidence"]["properties"]["value"]
    assert "type" not in value and "anyOf" not in value  # any JSON value, for Kotlin and Swift


def test_no_shape_that_a_generator_maps_badly(spec: dict[str, Any]) -> None:
    found = []
    for where, node in walk(spec, "#"):
        if "/example" in where:
            continue
        if "const" in node:
            found.append(f"{where}: const")  # Kotlin: an enum whose default does not compile
        for keyword in ("oneOf", "anyOf"):
            kept = [v for v in node.get(keyword, []) if v != {"type": "null"}]
            if len(kept) > 1:
                found.append(f"{where}: {keyword} of {len(kept)}")  # an empty class in Kotlin
    assert not found


def test_batch_items_are_workout_contexts(spec: dict[str, Any]) -> None:
    items = spec["components"]["schemas"]["TgBatchRequest"]["properties"]["items"]
    assert items["items"] == {"$ref": "#/components/schemas/TgWorkoutContext"}


def test_every_schema_name_carries_the_prefix(spec: dict[str, Any]) -> None:
    """No clash with Android (Activity, Bundle), SwiftUI (Environment), TipKit (Tip) ..."""
    names = spec["components"]["schemas"]
    assert all(re.fullmatch(r"Tg[A-Z]\w+", name) for name in names)
    assert {"TgActivity", "TgBundle", "TgEnvironment", "TgTip", "TgExplain"} <= set(names)
    refs = {node["$ref"] for _, node in walk(spec, "#") if isinstance(node.get("$ref"), str)}
    assert all(ref.rsplit("/", 1)[-1] in names for ref in refs if "/schemas/" in ref)


def test_an_integer_has_one_width_under_one_name(spec: dict[str, Any]) -> None:
    widths: dict[str, set[str]] = {}
    for where, node in walk(spec, "#"):
        if "/example" in where or not isinstance(node.get("properties"), dict):
            continue
        for name, prop in node["properties"].items():
            for option in [prop, *prop.get("anyOf", [])]:
                if option.get("type") == "integer":
                    widths.setdefault(name, set()).add(option["format"])
    for _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["schema"].get("type") == "integer":
                widths.setdefault(parameter["name"], set()).add(parameter["schema"]["format"])
    assert {name: found for name, found in widths.items() if len(found) > 1} == {}
    assert widths["content_version"] == {"int64"} and widths["status"] == {"int32"}


def test_headers_the_service_sends_are_declared(spec: dict[str, Any]) -> None:
    for where, operation in operations(spec):
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            assert "X-Request-ID" in headers, (where, status)
            if status == "429":
                assert {"Retry-After", "RateLimit-Limit", "RateLimit-Reset"} <= set(headers)
    causes = spec["paths"]["/v1/causes"]["get"]
    assert {"ETag", "Cache-Control", "Content-Language"} <= set(
        causes["responses"]["200"]["headers"]
    )
    assert "ETag" in causes["responses"]["304"]["headers"]
    assert "If-None-Match" in {p["name"] for p in causes["parameters"]}
    assessment = spec["paths"]["/v1/assessments"]["post"]["responses"]["200"]["headers"]
    assert {"Content-Language", "RateLimit-Remaining"} <= set(assessment)


def test_webhook_payloads_are_typed(spec: dict[str, Any]) -> None:
    events = {"content.published", "content.rolled_back", "content.rollout_changed"}
    assert set(spec["webhooks"]) == events
    schemas = spec["components"]["schemas"]
    for event, item in spec["webhooks"].items():
        ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schemas[ref.rsplit("/", 1)[-1]]
        assert body["properties"]["type"]["enum"] == [event]
        assert body["properties"]["timestamp"]["format"] == "date-time"
    assert "rollout_percent" in schemas["TgContentPublishedData"]["properties"]


def test_the_first_server_is_not_a_loopback_address(spec: dict[str, Any]) -> None:
    """An SDK's default base URL: on a phone, 127.0.0.1 is the phone itself."""
    first = spec["servers"][0]["url"]
    assert first.startswith("https://") and "127.0.0.1" not in first
    assert any("10.0.2.2" in server["url"] for server in spec["servers"])  # Android emulator
