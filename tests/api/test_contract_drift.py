"""What schemathesis' every-check run found where the service and its spec disagreed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
WORKOUT = {"activity": {"type": "running", "duration_min": 30}}


def assert_422_naming(answer: object, loc: str) -> None:
    from httpx import Response

    assert isinstance(answer, Response)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert loc in [error["loc"] for error in answer.json()["errors"]], answer.text


@pytest.mark.parametrize(
    ("method", "url", "loc"),
    [
        ("GET", "/v1/admin/audit?offset=1&offset=2", "query.offset"),
        ("GET", "/v1/causes?locale=en&locale=de", "query.locale"),
        ("GET", "/v1/admin/content/diff?from=1&to=1&to=1", "query.to"),
        ("POST", "/v1/assessments?limit=1&limit=2", "query.limit"),  # the fast lane
        ("POST", "/v1/assessments:batch?strict=true&strict=false", "query.strict"),
    ],
)
def test_a_repeated_query_parameter_is_refused(
    client: TestClient, method: str, url: str, loc: str
) -> None:
    body = {"items": [WORKOUT]} if "batch" in url else WORKOUT
    answer = client.request(method, url, headers=ADMIN, json=body if method == "POST" else None)
    assert_422_naming(answer, loc)


def test_an_unknown_query_parameter_may_still_repeat(client: TestClient) -> None:
    assert client.get("/v1/causes?utm=a&utm=b").status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        ("/v1/admin/content/versions", {"base_version": True}, "base_version"),
        ("/v1/admin/content/versions", {"base_version": "1"}, "base_version"),
        ("/v1/admin/content/rollback", {"to_version": True}, "to_version"),
        ("/v1/admin/content/versions/1/publish", {"force": "yes"}, "force"),
    ],
)
def test_admin_bodies_take_json_types_as_they_are(
    client: TestClient, url: str, body: dict[str, object], loc: str
) -> None:
    assert_422_naming(client.post(url, json=body, headers=ADMIN), loc)


def test_a_condition_value_too_long_for_a_text_is_not_taken_as_a_number(
    client: TestClient,
) -> None:
    draft = client.post("/v1/admin/content/versions", json={}, headers=ADMIN).json()["version"]
    bundle = client.get(f"/v1/content/versions/{draft}", headers=ADMIN).json()["bundle"]
    bundle["red_flags"][0]["when"][0]["value"] = "1" * 250  # maxLength of a text is 200
    answer = client.put(f"/v1/admin/content/versions/{draft}", json=bundle, headers=ADMIN)
    assert answer.status_code == 422, answer.text
    assert any(e["loc"].startswith("red_flags.0.when.0.value") for e in answer.json()["errors"])


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("OPTIONS", "/v1/admin/content/versions/1", "DELETE, PUT"),
        ("GET", "/v1/admin/content/versions/1", "DELETE, PUT"),
        ("PUT", "/v1/causes", "GET"),
        ("GET", "/v1/assessments", "POST"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    client: TestClient, method: str, url: str, allow: str
) -> None:
    answer = client.request(method, url, headers=ADMIN)
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["allow"] == allow


@pytest.mark.parametrize("url", ["/v1/causes/", "/v1/admin/audit/", "/readyz/"])
def test_a_trailing_slash_is_a_404_problem_not_a_redirect(client: TestClient, url: str) -> None:
    answer = client.get(url, headers=ADMIN, follow_redirects=False)
    assert answer.status_code == 404, answer.headers
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_whole_float_is_a_json_integer(client: TestClient) -> None:
    answer = client.post("/v1/admin/content/rollback", json={"to_version": 1.0}, headers=ADMIN)
    assert answer.status_code == 409, answer.text  # accepted as 1, which is already current


def test_a_rule_weight_is_a_number_not_a_bool(client: TestClient) -> None:
    draft = client.post("/v1/admin/content/versions", json={}, headers=ADMIN).json()["version"]
    bundle = client.get(f"/v1/content/versions/{draft}", headers=ADMIN).json()["bundle"]
    bundle["rules"][0]["signals"][0]["weight"] = False  # was taken as 0.0
    bundle["rules"][0]["prior"] = True
    answer = client.put(f"/v1/admin/content/versions/{draft}", json=bundle, headers=ADMIN)
    assert answer.status_code == 422, answer.text
    locs = {e["loc"] for e in answer.json()["errors"]}
    assert {"rules.0.prior", "rules.0.signals.0.weight"} <= locs, locs
