"""The spec's examples are valid, and the app answers them as recorded.

Swagger's "Try it out" sends them as they are, so each request example must pass; each
response example is what the default content really answers (`tests/api/record_examples`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from app.api.examples import examples
from tests.api.record_examples import with_fixed_ids

SPEC = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text("utf-8")
)
OPERATIONS = {
    operation["operationId"]: operation
    for item in SPEC["paths"].values()
    for operation in item.values()
}


def _valid(schema: dict[str, Any], value: Any) -> list[str]:
    # The components ride along so that `#/components/schemas/...` resolves in the document.
    validator = Draft202012Validator({**schema, "components": SPEC["components"]})
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(value)
    ]


def _examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    for operation_id, found in examples().items():
        operation = OPERATIONS[operation_id]
        for name, example in found.get("request", {}).items():
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            yield f"{operation_id}-request-{name}", schema, example["value"]
        for status, named in found.get("response", {}).items():
            content = operation["responses"][status]["content"]
            for name, example in named.items():
                schema = next(iter(content.values()))["schema"]
                yield f"{operation_id}-{status}-{name}", schema, example["value"]


CASES = list(_examples())


def test_every_assessment_and_admin_body_has_examples() -> None:
    for operation_id in ("create_assessment", "create_assessment_batch", "create_draft"):
        assert OPERATIONS[operation_id]["requestBody"]["content"]["application/json"]["examples"]
    assert OPERATIONS["create_assessment"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]


@pytest.mark.parametrize(("where", "schema", "value"), CASES, ids=[c[0] for c in CASES])
def test_example_matches_its_schema(where: str, schema: dict[str, Any], value: Any) -> None:
    assert _valid(schema, value) == [], where


@pytest.mark.parametrize("operation_id", ["create_assessment", "create_assessment_batch"])
def test_assessment_examples_answer_as_recorded(client: TestClient, operation_id: str) -> None:
    found = examples()[operation_id]
    path = "/v1/assessments" if operation_id == "create_assessment" else "/v1/assessments:batch"
    for name, example in found["request"].items():
        response = client.post(path, json=example["value"])
        assert response.status_code == 200, (name, response.text)
        recorded = found["response"]["200"][name]["value"]
        if "results" in recorded:
            ids = iter(
                [
                    item["assessment_id"]
                    for item in recorded["results"]
                    if item.get("kind") == "assessment"
                ]
            )
        else:
            ids = iter([recorded["assessment_id"]])
        assert with_fixed_ids(response.json(), ids) == recorded, f"{name}: re-record examples"


def test_admin_examples_run_as_the_content_workflow(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    def body(operation_id: str) -> Any:
        return next(iter(examples()[operation_id]["request"].values()))["value"]

    draft = client.post(
        "/v1/admin/content/versions", json=body("create_draft"), headers=admin_headers
    )
    assert draft.status_code == 201, draft.text
    version = draft.json()["version"]
    base = f"/v1/admin/content/versions/{version}"
    patched = client.patch(
        f"{base}/tips/hydrate_before_during_after",
        json=body("patch_draft_item"),
        headers=admin_headers,
    )
    assert patched.status_code == 200, patched.text
    published = client.post(f"{base}/publish", json=body("publish_version"), headers=admin_headers)
    assert published.status_code == 200, published.text
    rolled = client.post(
        "/v1/admin/content/rollback", json=body("rollback_content"), headers=admin_headers
    )
    assert rolled.status_code == 200, rolled.text
