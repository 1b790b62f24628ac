"""The causes beyond the article: each ranks first where its inputs are the strongest evidence,
stays out where nothing speaks for it, and the inputs that feed them never move a v1 answer
when they say nothing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.fields import SECTION_FIELDS
from app.workout.context import WorkoutContext
from tests.rules.helpers import context, default_engine, value_strategy

NEW_CAUSES = {
    "low_blood_sugar",
    "stimulant_effect",
    "medication_effect",
    "cold_exposure",
    "illness_or_fever",
}
V1_SYMPTOMS = [
    "chest_pain",
    "fainting",
    "confusion",
    "dark_urine",
    "one_sided_weakness",
    "numbness",
    "severe_headache",
    "difficulty_breathing",
    "vomiting",
    "high_body_temperature",
]
V1_SECTIONS = (
    "activity",
    "environment",
    "hydration",
    "nutrition",
    "preparation",
    "training",
    "athlete",
    "symptoms",
)
NEW_FIELDS = {"environment.water_temperature_c"}


def _v1_section(section: str, fields: tuple[tuple[str, str], ...]) -> st.SearchStrategy[Any]:
    strategies = {}
    for name, path in fields:
        if path in NEW_FIELDS:
            continue
        if path == "symptoms.associated":
            strategies[name] = st.lists(st.sampled_from(V1_SYMPTOMS), max_size=3)
        else:
            strategies[name] = value_strategy(path)
    if section == "activity":
        required = {key: strategies.pop(key) for key in ("type", "duration_min")}
        return st.fixed_dictionaries(required, optional=strategies)
    return st.fixed_dictionaries({}, optional=strategies)


_V1 = {section: _v1_section(section, fields) for section, fields in SECTION_FIELDS}
v1_bodies = st.fixed_dictionaries(
    {"activity": _V1["activity"]},
    optional={section: _V1[section] for section in V1_SECTIONS if section != "activity"},
)
"""A v1 request body: only the sections, fields and symptom words of contract v1."""

NEUTRAL: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "health": {
        "diabetes": st.just("none"),
        "glucose_lowering_medication": st.just(False),
        "blood_glucose_mg_dl": st.floats(90, 140),
        "medications": st.sampled_from([[], ["other"], ["beta_blocker"]]),
        "recent_illness_days": st.floats(14, 365),
        "body_temperature_c": st.floats(36.0, 37.2),
    },
    "intake": {
        "caffeine_mg": st.floats(0, 99),
        "pre_workout_stimulant": st.just(False),
        "alcohol_units_24h": st.floats(0, 3),
    },
    # (no water temperature: any reading says something, warm water speaks against cold)
}
neutral_additions = st.fixed_dictionaries(
    {},
    optional={
        section: st.fixed_dictionaries({}, optional=fields) for section, fields in NEUTRAL.items()
    },
)


def _merged(body: dict[str, Any], additions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged = {section: dict(fields) for section, fields in body.items()}
    for section, fields in additions.items():
        merged.setdefault(section, {}).update(fields)
    return merged


@given(body=v1_bodies, additions=neutral_additions)
@settings(max_examples=200, deadline=None)
def test_neutral_new_inputs_never_change_a_v1_ranking(
    body: dict[str, Any], additions: dict[str, dict[str, Any]]
) -> None:
    engine = default_engine()
    before = engine.evaluate(WorkoutContext.model_validate(body))
    after = engine.evaluate(WorkoutContext.model_validate(_merged(body, additions)))
    assert list(after.ranked) == list(before.ranked)
    assert {c: after.logits[c] for c in after.ranked} == {
        c: before.logits[c] for c in before.ranked
    }


@given(body=v1_bodies)
@settings(max_examples=200, deadline=None)
def test_without_their_inputs_the_new_causes_other_than_cold_are_never_ranked(
    body: dict[str, Any],
) -> None:
    """Glucose, stimulants, medicines and illness read only the new inputs (and the new
    symptom words); cold also reads the air temperature, which v1 already had."""
    ranked = set(default_engine().evaluate(WorkoutContext.model_validate(body)).ranked)
    assert not ranked & (NEW_CAUSES - {"cold_exposure"})


def test_a_minimal_context_ranks_none_of_them() -> None:
    ranked = default_engine().evaluate(context()).ranked
    assert not set(ranked) & NEW_CAUSES


STRONGEST: list[tuple[str, dict[str, Any]]] = [
    (
        "low_blood_sugar",
        {
            "activity": {"type": "cycling", "duration_min": 75, "intensity_rpe": 6},
            "health": {"glucose_lowering_medication": True, "blood_glucose_mg_dl": 63},
        },
    ),
    (
        "stimulant_effect",
        {
            "activity": {"type": "strength_training", "duration_min": 45, "intensity_rpe": 6},
            "intake": {"caffeine_mg": 380, "pre_workout_stimulant": True},
        },
    ),
    (
        "medication_effect",
        {
            "activity": {"type": "running", "duration_min": 30, "intensity_rpe": 5},
            "health": {"medications": ["salbutamol"]},
        },
    ),
    (
        "cold_exposure",
        {
            "activity": {"type": "swimming", "duration_min": 40},
            "environment": {"water_temperature_c": 12},
            "symptoms": {"associated": ["shivering"]},
        },
    ),
    (
        "illness_or_fever",
        {
            "activity": {"type": "running", "duration_min": 40, "intensity_rpe": 6},
            "health": {"recent_illness_days": 2, "body_temperature_c": 38.2},
        },
    ),
]


@pytest.mark.parametrize(("cause", "body"), STRONGEST, ids=[c for c, _ in STRONGEST])
@pytest.mark.parametrize("locale", ["en", "es"])
def test_each_new_cause_ranks_first_on_its_strongest_evidence(
    cause: str, body: dict[str, Any], locale: str
) -> None:
    answer = default_engine().assess_payload(
        WorkoutContext.model_validate(body), locale=locale, limit=5, assessment_id=""
    )
    first = answer["causes"][0]
    assert first["id"] == cause
    assert first["evidence"] and all(item["message"] for item in first["evidence"])
    assert any(cause in tip["addresses"] for tip in answer["tips"])


def test_a_normal_glucose_reading_beats_the_medication_that_could_lower_it() -> None:
    """Measured beats estimated: on insulin, but with a normal reading, no low is ranked."""
    engine = default_engine()
    on_insulin = {
        "activity": {"type": "running", "duration_min": 60},
        "health": {"medications": ["insulin"]},
    }
    assert "low_blood_sugar" in engine.evaluate(WorkoutContext.model_validate(on_insulin)).ranked
    measured = _merged(on_insulin, {"health": {"blood_glucose_mg_dl": 120}})
    assert "low_blood_sugar" not in engine.evaluate(WorkoutContext.model_validate(measured)).ranked


@pytest.mark.parametrize(
    ("health", "level", "flag"),
    [
        (
            {"blood_glucose_mmol_l": 3.6, "glucose_lowering_medication": True},
            "consult",
            "low_blood_sugar_reading",
        ),
        ({"blood_glucose_mg_dl": 50}, "urgent", "very_low_blood_sugar"),
        ({"body_temperature_c": 38.4}, "consult", "fever_measured"),
        ({"body_temperature_c": 40.2}, "urgent", "very_high_measured_temperature"),
    ],
)
def test_measured_glucose_and_temperature_set_the_triage(
    health: dict[str, Any], level: str, flag: str
) -> None:
    body = {"activity": {"type": "running", "duration_min": 40}, "health": health}
    triage = default_engine().assess_payload(
        WorkoutContext.model_validate(body), locale="en", limit=5, assessment_id=""
    )["triage"]
    assert triage["level"] == level
    assert flag in [reason["code"] for reason in triage["reasons"]]


def test_an_energy_depleted_fasted_session_asks_about_insulin() -> None:
    body = {
        "activity": {"type": "running", "duration_min": 100, "intensity_rpe": 6},
        "nutrition": {
            "fasted": True,
            "carbs_g_per_hour": 0,
            "hours_since_last_meal": 12,
            "pre_workout_carbs_g": 0,
        },
        "hydration": {
            "fluid_intake_ml": 800,
            "electrolytes_taken": True,
            "urine_color": 2,
            "body_mass_change_pct": -1,
        },
        "environment": {"temperature_c": 15, "humidity_pct": 50},
    }
    answer = default_engine().assess_payload(
        WorkoutContext.model_validate(body), locale="en", limit=5, assessment_id=""
    )
    assert answer["causes"][0]["id"] == "energy_depletion"
    asked = [question["field"] for question in answer["follow_up_questions"]]
    assert "health.glucose_lowering_medication" in asked
