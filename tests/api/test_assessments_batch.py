"""POST /v1/assessments:batch: one answer per item, in order; a bad item fails alone."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from bench.contexts import varied

BATCH = "/v1/assessments:batch"


def _without_id(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "assessment_id"}


def test_each_item_gets_the_answer_it_would_get_alone(client: TestClient) -> None:
    items = varied(12, seed=3)
    response = client.post(BATCH, json={"items": items}, params={"limit": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content_version"] == 1 and body["locale"] == "en"
    assert len(body["results"]) == len(items)
    for item, result in zip(items, body["results"], strict=True):
        alone = client.post("/v1/assessments", json=item, params={"limit": 3}).json()
        assert _without_id(result) == _without_id(alone)
    ids = {result["assessment_id"] for result in body["results"]}
    assert len(ids) == len(items)  # each item is its own assessment


def test_a_bad_item_gets_its_own_problem_in_place(client: TestClient) -> None:
    good = varied(3, seed=5)
    bad = copy.deepcopy(good[1])
    bad["environment"]["temperature_c"] = 99  # above the schema's bound
    missing = {"environment": {"temperature_c": 20}}  # no activity at all
    lenient = client.post(BATCH, json={"items": [good[0], bad, good[2], missing]})
    assert [result.get("status") for result in lenient.json()["results"]] == [None, None, None, 422]
    left_out = lenient.json()["results"][1]["warnings"][0]
    assert (left_out["field"], left_out["code"]) == (
        "environment.temperature_c",
        "invalid_value_ignored",
    )
    response = client.post(f"{BATCH}?strict=true", json={"items": [good[0], bad, good[2], missing]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result.get("status") for result in results] == [None, 422, None, 422]
    assert results[1]["detail"] == "Item 1 is not a valid workout context."
    assert [error["loc"] for error in results[1]["errors"]] == ["environment.temperature_c"]
    assert "activity" in {error["loc"] for error in results[3]["errors"]}
    for index in (0, 2):
        assert results[index]["causes"] and results[index]["triage"]["level"]


def test_a_request_that_is_not_a_batch_is_refused_whole(client: TestClient) -> None:
    one = varied(1)[0]
    too_many = client.post(BATCH, json={"items": [one] * 101})
    assert too_many.status_code == 422
    assert too_many.headers["content-type"].startswith("application/problem+json")
    assert {error["loc"] for error in too_many.json()["errors"]} == {"items"}
    not_objects = client.post(BATCH, json={"items": [one, 7]})
    assert not_objects.status_code == 422
    assert "items.1" in {error["loc"] for error in not_objects.json()["errors"]}
    as_text = client.post(BATCH, content=b"{}", headers={"Content-Type": "text/plain"})
    assert as_text.status_code == 415


def test_a_pinned_version_that_does_not_exist_is_a_404(client: TestClient) -> None:
    response = client.post(BATCH, json={"items": varied(1)}, params={"content_version": 99})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
