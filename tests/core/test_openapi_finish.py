"""The last pass over the spec: formats, non-null optional parameters, explicit security."""

from __future__ import annotations

from typing import Any

from app.core.openapi_finish import OPTIONAL_BEARER, finish


def _spec() -> dict[str, Any]:
    bearer = [{"HTTPBearer": []}]
    query = {
        "name": "content_version",
        "in": "query",
        "required": False,
        "schema": {
            "anyOf": [{"type": "integer", "minimum": 1, "maximum": 9}, {"type": "null"}],
            "description": "Pin a version.",
        },
    }
    return {
        "paths": {
            "/healthz": {"get": {"responses": {}}},
            "/v1/causes": {"get": {"parameters": [query], "security": bearer}},
            "/v1/admin/audit": {"get": {"security": bearer}},
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "score": {"type": "number"},
                        "count": {"type": "integer", "minimum": 0},
                        "type": {"type": "string"},
                        "example": {"type": "integer", "maximum": 10, "minimum": 0},
                    },
                    "example": {"score": {"type": "number"}},
                }
            }
        },
    }


def test_numbers_get_formats_and_examples_stay_as_they_are() -> None:
    thing = finish(_spec(), keyed_prefixes=())["components"]["schemas"]["Thing"]
    properties = thing["properties"]
    assert properties["score"]["format"] == "double"
    assert properties["count"]["format"] == "int64"  # no upper bound: it may not fit 32 bits
    assert properties["example"]["format"] == "int32"  # a property named like a keyword
    assert "format" not in properties["type"]
    assert thing["example"] == {"score": {"type": "number"}}


def test_optional_parameters_do_not_accept_null() -> None:
    spec = finish(_spec(), keyed_prefixes=())
    (parameter,) = spec["paths"]["/v1/causes"]["get"]["parameters"]
    assert parameter["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 9,
        "format": "int32",
        "description": "Pin a version.",
    }


def test_security_is_explicit_on_every_operation() -> None:
    paths = finish(_spec(), keyed_prefixes=("/v1/admin/",))["paths"]
    assert paths["/healthz"]["get"]["security"] == []
    assert paths["/v1/causes"]["get"]["security"] == OPTIONAL_BEARER
    assert paths["/v1/admin/audit"]["get"]["security"] == [{"HTTPBearer": []}]
