"""`?explain=counterfactuals` on the assessment routes; without it the answer is unchanged."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.rules.schemas import AssessmentResponse

HOT_RIDE: dict[str, Any] = {
    "activity": {"type": "cycling", "duration_min": 120},
    "environment": {"temperature_c": 31, "humidity_pct": 70},
    "hydration": {"fluid_intake_ml": 300},
}


def test_explain_adds_counterfactuals(client: TestClient) -> None:
    response = client.post("/v1/assessments?explain=counterfactuals", json=HOT_RIDE)
    assert response.status_code == 200
    data = response.json()
    AssessmentResponse.model_validate(data)
    first = data["causes"][0]
    assert first["id"] == "dehydration"
    assert first["counterfactuals"][0]["field"] == "hydration.fluid_intake_ml"
    assert first["counterfactuals"][0]["from"] == 300


def test_without_explain_counterfactuals_are_empty(client: TestClient) -> None:
    data = client.post("/v1/assessments", json=HOT_RIDE).json()
    assert all(cause["counterfactuals"] == [] for cause in data["causes"])
    assert any(tip["actions"] for tip in data["tips"])


def test_an_unknown_explain_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/v1/assessments?explain=everything", json=HOT_RIDE)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["loc"] for error in response.json()["errors"]] == ["query.explain"]


def test_a_batch_explains_every_item(client: TestClient) -> None:
    response = client.post(
        "/v1/assessments:batch?explain=counterfactuals", json={"items": [HOT_RIDE, HOT_RIDE]}
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert all(result["causes"][0]["counterfactuals"] for result in results)
