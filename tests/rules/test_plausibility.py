"""Warnings for possible but unusual values: accepted, answered, and pointed out."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from app.rules.plausibility import CHECKS, warning_message
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from tests.rules.helpers import assess, contexts, default_engine
from tests.rules.reference import flatten, implausible, plan_of
from tests.rules.test_golden import public_cases

# code -> a context that trips that check alone
TRIPPING: dict[str, dict[str, Any]] = {
    "temperature_very_high": {"environment": {"temperature_c": 50}},
    "temperature_very_low": {"environment": {"temperature_c": -35}},
    "duration_very_long": {"activity": {"type": "walking", "duration_min": 720}},
    "fluid_very_high": {"hydration": {"fluid_intake_ml": 8000}},
    "body_mass_loss_very_large": {"hydration": {"body_mass_change_pct": -10}},
    "body_mass_gain_large": {"hydration": {"body_mass_change_pct": 4}},
    "average_heart_rate_above_maximum": {
        "activity": {
            "type": "running",
            "duration_min": 40,
            "avg_heart_rate_bpm": 180,
            "max_heart_rate_bpm": 170,
        }
    },
    "speed_implausible": {"activity": {"type": "running", "duration_min": 30, "distance_km": 21}},
    "carbs_per_hour_very_high": {"nutrition": {"carbs_g_per_hour": 200}},
}

PLAN = plan_of(default_engine())


def tripping_context(code: str) -> WorkoutContext:
    data = {"activity": {"type": "running", "duration_min": 60}, **TRIPPING[code]}
    return WorkoutContext.model_validate(data)


def test_every_check_is_tested_and_speaks_english_and_spanish() -> None:
    assert {check.code for check in CHECKS} == set(TRIPPING)
    assert len({check.code for check in CHECKS}) == len(CHECKS)
    for check in CHECKS:
        assert set(check.messages) >= {"en", "es"}
        assert check.messages["en"] != check.messages["es"]


@pytest.mark.parametrize("code", sorted(TRIPPING))
@pytest.mark.parametrize("locale", ["en", "es"])
def test_each_check_warns_in_the_answers_language(code: str, locale: str) -> None:
    engine = default_engine()
    answer = assess(engine, tripping_context(code), locale=locale, assessment_id="w")
    check = next(check for check in CHECKS if check.code == code)
    assert [(w.code, w.field) for w in answer.warnings] == [(code, check.field)]
    assert answer.warnings[0].message == check.messages[locale]
    assert answer.fallback_items == []


def test_a_locale_without_warning_texts_falls_back_to_english_and_says_so() -> None:
    check = CHECKS[0]
    assert warning_message(check, "de") == (check.messages["en"], True)
    assert warning_message(check, "es") == (check.messages["es"], False)


def test_normal_workouts_get_no_warnings(engine: AssessmentEngine) -> None:
    for vignette in public_cases():
        context = WorkoutContext.model_validate(vignette["context"])
        assert assess(engine, context, locale="en", assessment_id="v").warnings == []


def test_a_fast_bike_ride_is_not_a_fast_run() -> None:
    ride = {"activity": {"type": "cycling", "duration_min": 30, "distance_km": 21}}
    assert implausible(plan_of(default_engine()), flatten(WorkoutContext(**ride))) == []


@given(contexts)
@settings(max_examples=100, deadline=None)
def test_warnings_never_change_the_ranking(ctx: WorkoutContext) -> None:
    engine = default_engine()
    answer = assess(engine, ctx, locale="es", limit=8, assessment_id="p")
    evaluation = engine.evaluate(ctx)
    assert [c.id for c in answer.causes] == list(evaluation.ranked)[:8]
    assert all(w.field and w.code and w.message for w in answer.warnings)


def generated_checks(ctx: WorkoutContext) -> tuple[dict[str, Any], list[Any]]:
    """(the flat values, the checks the generated one-pass evaluator says are tripped)."""
    result = default_engine().generated.evaluate_context(ctx)
    return result.values, result.implausible


@pytest.mark.parametrize("code", sorted(TRIPPING))
def test_the_generated_checks_trip_what_the_checks_say(code: str) -> None:
    values, tripped = generated_checks(tripping_context(code))
    assert [check.code for check in tripped] == implausible(PLAN, values) == [code]


@settings(max_examples=200, deadline=None)
@given(ctx=contexts)
def test_the_generated_checks_agree_with_the_checks(ctx: WorkoutContext) -> None:
    values, tripped = generated_checks(ctx)
    assert [check.code for check in tripped] == implausible(PLAN, values)
