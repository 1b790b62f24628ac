"""Property-based tests generated from the served OpenAPI document (schemathesis).

Every operation is called in-process (through Starlette's TestClient, on the real app with
its lifespan, database and default content) with positive and negative examples from the
examples, coverage and fuzzing phases, always with a valid admin key. Each answer must pass
`not_a_server_error`, `status_code_conformance`, `content_type_conformance` and
`response_schema_conformance`, and must not leak a secret or a stack trace.

`make test` runs this cheap, derandomised profile; `make fuzz` runs schemathesis' own runner
with every check and all four phases against a live server (`test_fuzz_live.py`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import openapi_document
from tests.reliability.conftest import assert_no_leak, report

SPEC = openapi_document()
schema = schemathesis.openapi.from_dict(SPEC)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CHEAP_EXAMPLES = 5
_SUPPRESSED = list(HealthCheck)

CASES: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def fuzz_api(module_client: TestClient, admin_auth: dict[str, str]) -> Iterator[TestClient]:
    """The app with two drafts (versions 2 and 3) besides the published version 1."""
    for notes in ("fuzz draft a", "fuzz draft b"):
        response = module_client.post(
            "/v1/admin/content/versions", json={"notes": notes}, headers=admin_auth
        )
        assert response.status_code == 201, response.text
    CASES.clear()
    STATUSES.clear()
    yield module_client
    report(
        "schemathesis",
        cases=sum(CASES.values()),
        operations=len(CASES),
        statuses={str(k): v for k, v in sorted(STATUSES.items())},
    )


def _send(client: TestClient, case: schemathesis.Case, auth: dict[str, str]) -> Any:
    """Send a generated case with httpx, byte for byte as schemathesis' own transport would."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=auth)
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["content"] = json.dumps(kwargs["json"], allow_nan=False).encode()
    elif isinstance(kwargs.get("data"), bytes | str):
        body["content"] = kwargs["data"]
    elif "data" in kwargs or "files" in kwargs:
        body["data"] = kwargs.get("data")
        body["files"] = kwargs.get("files")
    return client.request(
        kwargs["method"],
        kwargs["url"],
        headers=kwargs["headers"],
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies") or None,
        **body,
    )


def _exercise(case: schemathesis.Case, client: TestClient, auth: dict[str, str]) -> None:
    response = _send(client, case, auth)
    CASES[case.operation.label] += 1
    STATUSES[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)
    assert_no_leak(response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


@schema.parametrize()
@settings(
    max_examples=CHEAP_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_SUPPRESSED,
)
def test_operation_conforms_to_the_spec(
    case: schemathesis.Case, fuzz_api: TestClient, admin_auth: dict[str, str]
) -> None:
    _exercise(case, fuzz_api, admin_auth)


def test_the_fuzzed_spec_is_the_served_one(module_client: TestClient) -> None:
    assert module_client.get("/openapi.json").json() == SPEC


def test_every_operation_was_exercised() -> None:
    """Runs after the generated tests of this module: each operation got cases."""
    if not CASES:
        pytest.skip("the generated tests were not selected in this run")
    operations = {
        f"{method.upper()} {path}"
        for path, item in SPEC["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert operations - set(CASES) == set()
