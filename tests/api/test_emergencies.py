"""Emergencies first over HTTP: disposition and conditions in every answer, a 422 and a batch
problem; symptom words in other words and spellings; an unknown word never reassures."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_KEY

RUN = {"type": "running", "duration_min": 40, "intensity_rpe": 6}
DISPOSITIONS = {
    "self_care": {"self_care"},
    "consult": {"see_clinician_soon", "see_clinician_today"},
    "urgent": {"emergency_department", "call_emergency_number"},
}


def assess(api: TestClient, body: dict[str, Any], **params: Any) -> Any:
    return api.post("/v1/assessments", json=body, params=params)


def condition_ids(triage: dict[str, Any]) -> list[str]:
    return [item["id"] for item in triage["conditions"]]


def test_every_answer_has_a_disposition_that_agrees_with_its_level(api: TestClient) -> None:
    for symptoms in ([], ["numbness"], ["chest_pain"]):
        triage = assess(api, {"activity": RUN, "symptoms": {"associated": symptoms}}).json()[
            "triage"
        ]
        assert triage["disposition"] in DISPOSITIONS[triage["level"]]
        assert isinstance(triage["conditions"], list)


def test_a_benign_session_suspects_nothing(api: TestClient) -> None:
    triage = assess(api, {"activity": RUN, "symptoms": {"timing": "after"}}).json()["triage"]
    assert (triage["level"], triage["disposition"], triage["conditions"]) == (
        "self_care",
        "self_care",
        [],
    )


@pytest.mark.parametrize(
    "words",
    [
        ["chest_tightness"],
        ["Chest Tightness"],
        ["chest pressure"],
        ["CHEST-PRESSURE"],
        ["opresión en el pecho"],
    ],
)
def test_chest_tightness_in_any_words_calls_now(api: TestClient, words: list[str]) -> None:
    body = {"activity": RUN, "athlete": {"age_years": 55}, "symptoms": {"associated": words}}
    for strict in (False, True):
        response = assess(api, body, strict=str(strict).lower())
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["warnings"] == []
        triage = answer["triage"]
        assert triage["disposition"] == "call_emergency_number"
        assert "cardiac_warning" in condition_ids(triage)
        assert "chest_tightness" in answer["normalized_context"]["symptoms"]["associated"]


def test_an_unknown_word_is_named_and_never_reads_as_reassurance(api: TestClient) -> None:
    body = {"activity": RUN, "symptoms": {"associated": ["squeezy legs"]}}
    answer = assess(api, body).json()
    assert [w["code"] for w in answer["warnings"]] == ["unknown_symptom"]
    triage = answer["triage"]
    assert triage["level"] == "consult"
    assert "'squeezy legs'" in triage["headline"]
    plain = assess(api, {"activity": RUN}).json()["triage"]["headline"]
    assert triage["headline"] != plain
    spanish = assess(api, body, locale="es").json()["triage"]["headline"]
    assert "'squeezy legs'" in spanish and spanish != triage["headline"]
    # strict: a 422 whose triage still says so
    refused = assess(api, body, strict="true")
    assert refused.status_code == 422
    assert refused.json()["triage"]["level"] == "consult"


def test_a_422_and_a_batch_problem_carry_the_conditions(api: TestClient) -> None:
    unusable = {"activity": {"type": "running"}, "symptoms": {"associated": ["throat swelling"]}}
    problem = assess(api, unusable)
    assert problem.status_code == 422
    triage = problem.json()["triage"]
    assert triage["disposition"] == "call_emergency_number"
    assert condition_ids(triage) == ["anaphylaxis"]
    assert triage["conditions"][0]["first_aid"]
    batch = api.post("/v1/assessments:batch", json={"items": [{"activity": RUN}, unusable]})
    assert batch.status_code == 200
    first, second = batch.json()["results"]
    assert first["triage"]["disposition"] == "self_care"
    assert second["kind"] == "problem"
    assert condition_ids(second["triage"]) == ["anaphylaxis"]


def test_an_emergency_answer_is_about_the_emergency(api: TestClient) -> None:
    body = {
        "activity": {"type": "running", "duration_min": 55, "intensity_rpe": 9},
        "environment": {"temperature_c": 31, "humidity_pct": 75},
        "symptoms": {"timing": "after", "associated": ["confusion", "vomiting"]},
    }
    for locale in ("en", "es"):
        answer = assess(api, body, locale=locale, explain="counterfactuals").json()
        triage = answer["triage"]
        assert triage["disposition"] == "call_emergency_number"
        first = triage["conditions"][0]
        assert first["id"] == "exertional_heat_illness"
        assert first["first_aid"][0] in triage["headline"]
        assert answer["causes"][0]["id"] != "muscle_fatigue"
        assert answer["follow_up_questions"] == []
        assert 1 <= len(answer["tips"]) <= 2
        assert all(tip["actions"][0]["kind"] == "see_clinician" for tip in answer["tips"])
        assert all(cause["counterfactuals"] == [] for cause in answer["causes"])


def test_conditions_are_edited_and_gated_like_the_rest_of_the_content(api: TestClient) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    draft = api.post("/v1/admin/content/versions", headers=admin, json={"notes": "c"}).json()
    version = draft["version"]
    base = f"/v1/admin/content/versions/{version}"
    changed = api.patch(
        f"{base}/conditions/hypothermia",
        headers=admin,
        json={"text": {"en": {"title": "Body too cold"}}},
    )
    assert changed.status_code == 200, changed.text
    # an urgent red flag that no longer names its condition cannot be published
    unnamed = api.patch(f"{base}/red_flags/chest_pain", headers=admin, json={"condition": None})
    assert unnamed.status_code == 200, unnamed.text
    report = api.post(f"{base}/validate", headers=admin).json()
    paths = [problem["path"] for problem in report["problems"]]
    assert any(path.startswith("red_flags.") and path.endswith(".condition") for path in paths)
    refused = api.post(f"{base}/publish", headers=admin)
    assert refused.status_code == 422, refused.text
