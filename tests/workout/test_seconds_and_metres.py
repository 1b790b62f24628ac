"""`activity.duration_s` and `activity.distance_m`: converted to minutes and km during
validation, checked against them when both are sent, echoed in `normalized_context`, and
invisible to the ranking."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.workout.context import WorkoutContext
from app.workout.lenient import read_leniently
from app.workout.vocabulary import ActivityType
from tests.rules.helpers import context_data, default_engine

STRAVA_RIDE = {"activity": {"type": "Ride", "duration_s": 12600, "distance_m": 95000}}


def error_locations(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        WorkoutContext.model_validate(data)
    return [".".join(map(str, e["loc"])) for e in caught.value.errors()]


def test_duration_s_alone_is_enough() -> None:
    understood = WorkoutContext.model_validate(STRAVA_RIDE).activity
    assert understood.type is ActivityType.CYCLING
    assert understood.duration_min == 210 and understood.distance_km == 95
    assert understood.duration_s is None and understood.distance_m is None
    json_body = b'{"activity": {"type": "running", "duration_s": 100}}'
    assert WorkoutContext.model_validate_json(json_body).activity.duration_min == 1.667


def test_without_either_duration_the_error_names_duration_min() -> None:
    assert error_locations({"activity": {"type": "running"}}) == ["activity.duration_min"]
    read = read_leniently({"activity": {"type": "running", "distance_m": 5000}})
    assert read.context is None
    assert [e["loc"] for e in read.fatal] == [("activity", "duration_min")]


@pytest.mark.parametrize("bad", ["3600", True, 0, -60, 86401, None])
def test_a_bad_duration_s_alone_leaves_no_duration(bad: Any) -> None:
    locations = error_locations({"activity": {"type": "running", "duration_s": bad}})
    assert "activity.duration_min" in locations
    read = read_leniently({"activity": {"type": "running", "duration_s": bad}})
    assert read.context is None and ("activity", "duration_min") in [e["loc"] for e in read.fatal]


@pytest.mark.parametrize(
    ("field", "si_field", "si_value", "agreeing", "disagreeing"),
    [
        ("duration_s", "duration_min", 60, 3615, 3700),  # 60.25 min; 61.7 min
        ("distance_m", "distance_km", 10, 10050, 10200),  # 10.05 km; 10.2 km
    ],
)
def test_both_forms_must_agree(
    field: str, si_field: str, si_value: float, agreeing: float, disagreeing: float
) -> None:
    data: dict[str, Any] = {"activity": {"type": "running", "duration_min": 60, si_field: si_value}}
    data["activity"][field] = agreeing
    understood = WorkoutContext.model_validate(data).activity.model_dump()
    assert understood[si_field] == si_value and understood[field] is None
    data["activity"][field] = disagreeing
    assert error_locations(data) == [f"activity.{field}"]
    read = read_leniently(data)  # not strict: the minute / km form is kept, with a warning
    assert read.context is not None
    assert getattr(read.context.activity, si_field) == si_value
    assert [i.field for i in read.issues] == [f"activity.{field}"]


def test_the_schema_says_which_forms_are_required() -> None:
    schema = WorkoutContext.model_json_schema()["$defs"]["Activity"]
    assert "required" not in schema  # either form of type and of duration will do
    assert "duration_s" in schema["properties"]["duration_min"]["description"]
    assert "type_code" in schema["properties"]["type"]["description"]


# --- normalized_context --------------------------------------------------------------------


def test_normalized_context_shows_what_each_input_became() -> None:
    payload = default_engine().assess_payload(
        WorkoutContext.model_validate(STRAVA_RIDE), locale="en", assessment_id="x"
    )
    assert payload["normalized_context"] == {
        "activity": {"type": "cycling", "duration_min": 210, "distance_km": 95}
    }
    coded = {"activity": {"type_code": {"source": "healthkit", "code": 37}, "duration_s": 1800}}
    payload = default_engine().assess_payload(
        WorkoutContext.model_validate(coded), locale="en", assessment_id="x"
    )
    assert payload["normalized_context"] == {"activity": {"type": "running", "duration_min": 30}}


def test_normalized_context_over_http_single_and_batch(client: TestClient) -> None:
    answer = client.post("/v1/assessments", json=STRAVA_RIDE)
    assert answer.status_code == 200, answer.text
    expected = {"activity": {"type": "cycling", "duration_min": 210, "distance_km": 95}}
    assert answer.json()["normalized_context"] == expected
    batch = client.post(
        "/v1/assessments:batch",
        json={"items": [STRAVA_RIDE, {"activity": {"type": "Ride", "duration_s": "long"}}]},
    )
    assert batch.status_code == 200, batch.text
    first, second = batch.json()["results"]
    assert first["normalized_context"] == expected
    assert second["status"] == 422
    assert "activity.duration_min" in [error["loc"] for error in second["errors"]]
    strict = client.post("/v1/assessments?strict=true", json={"activity": {"type": 37}})
    assert strict.status_code == 422
    assert any("type_code" in error["message"] for error in strict.json()["errors"])


# --- same workout, same answer -------------------------------------------------------------


@st.composite
def in_minutes_and_in_seconds(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A random valid context (minutes and km rounded to 3 decimals, as converted values are)
    and the same context sent with duration_s and (when it has one) distance_m instead."""
    v1 = draw(context_data)
    v1 = {section: dict(fields) for section, fields in v1.items()}
    activity = v1["activity"]
    activity["duration_min"] = max(round(activity["duration_min"], 3), 0.001)
    if "distance_km" in activity:
        activity["distance_km"] = round(activity["distance_km"], 3)
    si = {section: dict(fields) for section, fields in v1.items()}
    moved = si["activity"]
    moved["duration_s"] = 60 * moved.pop("duration_min")
    if "distance_km" in moved:
        moved["distance_m"] = 1000 * moved.pop("distance_km")
    return v1, si


@given(in_minutes_and_in_seconds())
@settings(max_examples=150, deadline=None)
def test_seconds_and_metres_give_the_same_causes_scores_and_triage(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    engine = default_engine()
    v1, si = pair
    answers = [
        engine.assess_payload(WorkoutContext.model_validate(body), locale="en", assessment_id="x")
        for body in (v1, si)
    ]
    ours, theirs = answers
    assert [(c["id"], c["score"]) for c in ours["causes"]] == [
        (c["id"], c["score"]) for c in theirs["causes"]
    ]
    assert ours["triage"] == theirs["triage"]
    assert ours["normalized_context"] == theirs["normalized_context"]
