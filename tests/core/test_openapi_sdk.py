"""The SDK rules work by shape, so schemas added later (a new union, enum or route) follow."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.openapi_sdk import for_sdks

REF = "#/components/schemas/"


def _spec() -> dict[str, Any]:
    """A spec with one of each shape the rules rewrite, under names no rule knows."""
    return {
        "paths": {
            "/things": {
                "get": {
                    "parameters": [
                        {
                            "name": "mode",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "const": "fast", "description": "How."},
                        },
                        {
                            "name": "locale",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "format": "int32", "maximum": 9},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": REF + "Result"}}},
                        },
                        "304": {"description": "not modified"},
                        "429": {"description": "slow down"},
                    },
                }
            },
            "/plain": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": {
                "Result": {
                    "oneOf": [{"$ref": REF + "Good"}, {"$ref": REF + "Bad"}],
                    "discriminator": {
                        "propertyName": "shape",
                        "mapping": {"good": REF + "Good", "bad": REF + "Bad"},
                    },
                },
                "Good": {
                    "type": "object",
                    "required": ["shape", "note", "version"],
                    "properties": {
                        "shape": {"type": "string", "const": "good"},
                        "note": {"$ref": REF + "Note"},
                        "version": {"type": "integer", "format": "int64"},
                        "value": {
                            "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]
                        },
                    },
                },
                "Bad": {
                    "type": "object",
                    "required": ["shape", "code"],
                    "properties": {
                        "shape": {"type": "string", "const": "bad"},
                        "code": {"type": "integer", "format": "int32", "maximum": 599.0},
                        "note": {"anyOf": [{"$ref": REF + "Note"}, {"type": "null"}]},
                    },
                },
                "Note": {
                    "type": "object",
                    "title": "Note",
                    "properties": {"level": {"type": "integer", "const": 1, "default": 1}},
                },
            }
        },
    }


def test_every_schema_gets_the_prefix_and_every_reference_follows() -> None:
    spec = for_sdks(_spec())
    schemas = spec["components"]["schemas"]
    assert set(schemas) == {"TgResult", "TgGood", "TgBad", "TgNote", "TgMode"}
    assert schemas["TgNote"]["title"] == "TgNote"
    ok = spec["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": REF + "TgResult"}


def test_a_discriminated_union_becomes_one_object() -> None:
    result = for_sdks(_spec())["components"]["schemas"]["TgResult"]
    assert "oneOf" not in result and result["type"] == "object"
    assert result["required"] == ["shape"]  # what both members require, the tag first
    assert result["properties"]["shape"]["enum"] == ["good", "bad"]
    assert set(result["properties"]) == {"shape", "note", "version", "value", "code"}
    # Shared by both members, once nullable: the nullable form is kept.
    assert {"type": "null"} in result["properties"]["note"]["anyOf"]


def test_a_union_whose_members_disagree_is_refused() -> None:
    spec = _spec()
    spec["components"]["schemas"]["Bad"]["properties"]["version"] = {"type": "string"}
    with pytest.raises(ValueError, match=r"Result\.version"):
        for_sdks(spec)


def test_consts_scalar_unions_and_parameter_enums() -> None:
    spec = for_sdks(_spec())
    schemas = spec["components"]["schemas"]
    assert schemas["TgNote"]["properties"]["level"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1,
        "default": 1,
    }
    assert schemas["TgGood"]["properties"]["shape"]["enum"] == ["good"]
    value = schemas["TgGood"]["properties"]["value"]
    assert value == {"description": "One of: number, string, or null."}
    mode = spec["paths"]["/things"]["get"]["parameters"][0]
    assert mode["schema"] == {"$ref": REF + "TgMode", "description": "How."}
    assert schemas["TgMode"] == {"type": "string", "enum": ["fast"]}
    assert schemas["TgBad"]["properties"]["code"]["maximum"] == 599


def test_an_integer_name_has_the_widest_width_everywhere() -> None:
    spec = for_sdks(_spec())
    version = spec["paths"]["/things"]["get"]["parameters"][2]
    assert version["schema"]["format"] == "int64"


def test_headers_follow_what_an_operation_can_answer() -> None:
    spec = for_sdks(_spec())
    operation = spec["paths"]["/things"]["get"]
    responses = operation["responses"]
    assert set(responses["200"]["headers"]) == {
        "X-Request-ID",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "ETag",
        "Cache-Control",
        "Content-Language",
    }
    assert {"ETag", "Cache-Control"} <= set(responses["304"]["headers"])
    assert "Retry-After" in responses["429"]["headers"]
    assert operation["parameters"][-1]["name"] == "If-None-Match"
    plain = spec["paths"]["/plain"]["get"]
    assert set(plain["responses"]["200"]["headers"]) == {"X-Request-ID"}
    assert "parameters" not in plain
    assert set(spec["components"]["headers"]) >= {"X-Request-ID", "ETag", "Retry-After"}
