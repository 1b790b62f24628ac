"""OpenAPI additions for routes that read their body or query themselves.

The assessment routes parse the raw body with pydantic's JSON parser (one pass in Rust,
where json.loads followed by validation makes two), so FastAPI cannot see their
body or query models; they are declared here so the spec and the generated SDKs still
describe them exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

REF_TEMPLATE = "#/components/schemas/{model}"


class _WithoutNullDefaults(GenerateJsonSchema):
    """Leave out `default: null`, as FastAPI's own request schemas do.

    An absent optional field already means null; and openapi-typescript reads any `default`
    as "always present", which would make every optional request field required in TS SDKs.
    """

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None:
            del json_schema["default"]
        return json_schema


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """A `requestBody` object that refers to `model`'s component schema."""
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}
        },
    }


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters from a model's fields (descriptions and bounds included)."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", []))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = dict(field_schema)
        description = field_schema.pop("description", None)
        field_schema.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field_schema,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


# Standard Webhooks headers, sent with every delivery.
_WEBHOOK_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The event's id: the same on every try, so a receiver can drop repeats.",
        "schema": {"type": "string", "maxLength": 64},
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "Unix seconds when this try was signed; refuse old ones (replays).",
        "schema": {"type": "string", "maxLength": 20},
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": "`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`.",
        "schema": {"type": "string", "maxLength": 1024},
    },
]


def webhook_item(event: str, body: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI 3.1 `webhooks` entry of one event: what the service POSTs to a receiver."""
    return {
        "post": {
            "operationId": "receive_" + event.replace(".", "_"),
            "summary": f"{event} (sent to your receiver)",
            "description": body.__doc__ or event,
            "tags": ["webhooks"],
            "security": [],
            "parameters": _WEBHOOK_HEADERS,
            "requestBody": json_body(body),
            "responses": {
                "2XX": {"description": "Received: the delivery is done."},
                "default": {"description": "Anything else (or no answer) is retried later."},
            },
        }
    }


def with_component_schemas(
    app: FastAPI,
    models: Iterable[type[BaseModel]],
    finish: Callable[[dict[str, Any]], dict[str, Any]] = lambda spec: spec,
    webhooks: Mapping[str, type[BaseModel]] | None = None,
) -> Callable[[], dict[str, Any]]:
    """Wrap `app.openapi` so the spec also carries `models` (and what they refer to) and the
    `webhooks` (event name -> body model), then pass the whole document through `finish`."""
    generate = app.openapi
    events = dict(webhooks or {})
    wanted = [*models, *events.values()]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = generate()
        _, definitions = models_json_schema(
            [(model, "validation") for model in wanted],
            ref_template=REF_TEMPLATE,
            schema_generator=_WithoutNullDefaults,
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in definitions.get("$defs", {}).items():
            schemas.setdefault(name, schema)
        if events:
            spec["webhooks"] = {event: webhook_item(event, body) for event, body in events.items()}
        spec = finish(spec)
        app.openapi_schema = spec
        return spec

    return openapi
