"""A red flag is never lost to a bad field: fail-safe reading of assessment bodies.

Each case of the safety issue's first list, with chest pain reported beside it, used to be a
bare 422; now the answer (200, or a 422 that cannot be avoided) says "seek care now".
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rules.helpers import LEVELS, context_data
from tests.rules.test_triage import URGENT_SYMPTOMS

RUN = {"type": "running", "duration_min": 60}
CHEST_PAIN = {"associated": ["chest_pain"]}


BAD_BODIES: dict[str, dict[str, Any]] = {
    "rpe-as-a-word": {"activity": {**RUN, "intensity_rpe": "eight"}, "symptoms": CHEST_PAIN},
    "negative-age": {"activity": RUN, "athlete": {"age_years": -3}, "symptoms": CHEST_PAIN},
    "heart-rate-9000": {
        "activity": {**RUN, "avg_heart_rate_bpm": 9000},
        "symptoms": CHEST_PAIN,
    },
    "unknown-symptom-word": {
        "activity": RUN,
        "symptoms": {"associated": ["chest_pain", "tummy_ache"]},
    },
    "section-not-an-object": {"activity": RUN, "hydration": [1], "symptoms": CHEST_PAIN},
    "unknown-field": {
        "activity": RUN,
        "hydration": {"fluid_intake_mls": 5},
        "symptoms": CHEST_PAIN,
    },
}
EXPECTED_FIELDS = {
    "rpe-as-a-word": ("activity.intensity_rpe", "invalid_value_ignored"),
    "negative-age": ("athlete.age_years", "invalid_value_ignored"),
    "heart-rate-9000": ("activity.avg_heart_rate_bpm", "invalid_value_ignored"),
    "unknown-symptom-word": ("symptoms.associated", "unknown_symptom"),
    "section-not-an-object": ("hydration", "invalid_value_ignored"),
    "unknown-field": ("hydration.fluid_intake_mls", "unknown_field"),
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_a_bad_optional_field_is_left_out_and_the_red_flag_kept(api: TestClient, name: str) -> None:
    response = api.post("/v1/assessments", json=BAD_BODIES[name])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["triage"]["level"] == "urgent"
    assert answer["triage"]["reasons"][0]["code"] == "chest_pain"
    field, code = EXPECTED_FIELDS[name]
    assert {"field": field, "code": code} in [
        {"field": w["field"], "code": w["code"]} for w in answer["warnings"]
    ]


@pytest.mark.parametrize("name", BAD_BODIES)
def test_strict_mode_refuses_but_still_carries_the_triage(api: TestClient, name: str) -> None:
    response = api.post("/v1/assessments?strict=true", json=BAD_BODIES[name])
    assert response.status_code == 422
    problem = response.json()
    assert problem["triage"]["level"] == "urgent"
    assert EXPECTED_FIELDS[name][0] in {e["loc"].rsplit(".", 1)[0] for e in problem["errors"]} | {
        e["loc"] for e in problem["errors"]
    }


@pytest.mark.parametrize(
    ("activity", "field"),
    [
        ({"type": "running"}, "activity.duration_min"),
        ({"type": "quidditch", "duration_min": 30}, "activity.type"),
        ({"duration_min": -5}, "activity.type"),
    ],
)
def test_an_unusable_activity_is_a_422_that_carries_the_red_flag(
    api: TestClient, activity: dict[str, Any], field: str
) -> None:
    body = {"activity": activity, "athlete": {"age_years": -1}, "symptoms": CHEST_PAIN}
    response = api.post("/v1/assessments", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in {e["loc"] for e in problem["errors"]}
    assert problem["triage"]["level"] == "urgent"
    assert problem["triage"]["reasons"][0]["code"] == "chest_pain"


def test_a_422_without_a_red_flag_carries_no_triage(api: TestClient) -> None:
    response = api.post("/v1/assessments", json={"symptoms": {"severity": "mild"}})
    assert response.status_code == 422
    assert "triage" not in response.json()


def test_a_batch_item_is_read_like_a_single_body(api: TestClient) -> None:
    items = [BAD_BODIES["negative-age"], {"activity": {"type": "running"}, "symptoms": CHEST_PAIN}]
    results = api.post("/v1/assessments:batch", json={"items": items}).json()["results"]
    assert results[0]["triage"]["level"] == "urgent"
    assert results[0]["warnings"][0]["field"] == "athlete.age_years"
    assert results[1]["status"] == 422
    assert results[1]["triage"]["level"] == "urgent"


def test_warnings_are_in_the_answers_language(api: TestClient) -> None:
    body = BAD_BODIES["unknown-symptom-word"]
    english = api.post("/v1/assessments?locale=en", json=body).json()["warnings"][0]["message"]
    spanish = api.post("/v1/assessments?locale=es", json=body).json()["warnings"][0]["message"]
    assert "tummy_ache" in english and "tummy_ache" in spanish
    assert english != spanish and "síntoma" in spanish


def test_markup_is_never_named_back(api: TestClient) -> None:
    body = {"activity": RUN, "symptoms": {"associated": ["<script>x</script>", "chest_pain"]}}
    answer = api.post("/v1/assessments", json=body).json()
    assert answer["triage"]["level"] == "urgent"
    assert "<script>" not in answer["warnings"][0]["message"]


def test_the_spec_declares_strict_mode_and_the_triage_of_a_422(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    operation = spec["paths"]["/v1/assessments"]["post"]
    assert "strict" in {p["name"] for p in operation["parameters"]}
    schema = operation["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert schema["$ref"].endswith("/TgAssessmentProblem")
    assert "triage" in spec["components"]["schemas"]["TgAssessmentProblem"]["properties"]
    assert "triage" in spec["components"]["schemas"]["TgBatchResult"]["properties"]


# Corruptions an app could send for any field but the symptom list that carries the flag.
_JUNK = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_SECTIONS = (
    "activity",
    "environment",
    "hydration",
    "nutrition",
    "preparation",
    "training",
    "athlete",
    "symptoms",
)
_NAMES = st.sampled_from(
    [
        "type",
        "duration_min",
        "intensity_rpe",
        "temperature_c",
        "fluid_intake_ml",
        "age_years",
        "severity",
        "persisting_days",
        "body_parts",
        "made_up_field",
    ]
)
_corruptions = st.lists(
    st.tuples(st.sampled_from(_SECTIONS), _NAMES, _JUNK), min_size=1, max_size=6
)


@given(
    body=context_data,
    flag=st.sampled_from(URGENT_SYMPTOMS),
    corruptions=_corruptions,
    extra_words=st.lists(st.text(max_size=10), max_size=3),
    strict=st.booleans(),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_red_flag_survives_any_bad_body(
    api: TestClient,
    body: dict[str, Any],
    flag: str,
    corruptions: list[tuple[str, str, Any]],
    extra_words: list[str],
    strict: bool,
) -> None:
    body = copy.deepcopy(body)
    for section, name, junk in corruptions:
        target = body.setdefault(section, {})
        if isinstance(target, dict):
            target[name] = junk
    symptoms = body.setdefault("symptoms", {})
    if not isinstance(symptoms, dict):
        symptoms = body["symptoms"] = {}
    symptoms["associated"] = [flag, *extra_words]
    response = api.post("/v1/assessments" + ("?strict=true" if strict else ""), json=body)
    assert response.status_code in (200, 422), response.text
    triage = response.json().get("triage")
    assert triage is not None, response.text
    assert LEVELS[triage["level"]] >= LEVELS["urgent"], (flag, response.text)
