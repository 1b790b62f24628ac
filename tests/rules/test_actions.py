"""Actions on tips: content rules, worked out from the workout, checked by the compiler."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.rules.bundle import Bundle
from app.rules.compiler import RuleCompileError, compile_ruleset
from app.workout.context import WorkoutContext
from tests.rules.helpers import default_bundle, default_engine

KINDS = {
    "drink",
    "eat",
    "electrolytes",
    "warm_up",
    "cool_down",
    "rest",
    "reduce_load",
    "see_clinician",
}


def _answer(data: dict[str, Any]) -> dict[str, Any]:
    return default_engine().assess_payload(
        WorkoutContext.model_validate(data), locale="en", limit=8, assessment_id="t"
    )


def _long_run(minutes: int) -> dict[str, Any]:
    return {
        "activity": {"type": "running", "duration_min": minutes, "intensity_rpe": 6},
        "environment": {"temperature_c": 18},
        "hydration": {"fluid_intake_ml": 200},
        "nutrition": {"carbs_g_per_hour": 0, "hours_since_last_meal": 5},
    }


def _actions(answer: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    return {
        (tip["id"], action["kind"], action["when"]): action["amount"]
        for tip in answer["tips"]
        for action in tip["actions"]
    }


def test_every_tip_carries_well_formed_actions() -> None:
    for tip in _answer(_long_run(120))["tips"]:
        for action in tip["actions"]:
            assert action["kind"] in KINDS
            assert action["when"] in {"before", "during", "after", "next_session"}


def test_actions_scale_with_the_workout() -> None:
    short, long = _actions(_answer(_long_run(90))), _actions(_answer(_long_run(180)))
    assert short != long
    grown = [key for key in short.keys() & long.keys() if long[key] > short[key]]
    added = long.keys() - short.keys()
    assert grown or added
    for key in short.keys() & long.keys():
        assert long[key] >= short[key]  # a longer session never asks for less


def test_carbohydrate_per_hour_is_modest() -> None:
    for minutes in (60, 90, 150, 180, 300):
        for tip in _answer(_long_run(minutes))["tips"]:
            for action in tip["actions"]:
                if action["kind"] == "eat" and action["per_hour"]:
                    assert 30 <= action["amount"] <= (60 if minutes <= 150 else 90)
                if action["kind"] == "drink" and action["per_hour"]:
                    assert 400 <= action["amount"] <= 800


@pytest.mark.parametrize("locale", ["en", "es"])
def test_an_urgent_answer_leads_with_see_clinician(locale: str) -> None:
    context = WorkoutContext.model_validate(
        {
            "activity": {"type": "cycling", "duration_min": 90},
            "symptoms": {"associated": ["chest_pain"]},
        }
    )
    answer = default_engine().assess_payload(context, locale=locale, assessment_id="t")
    assert answer["triage"]["level"] == "urgent"
    assert answer["tips"][0]["actions"][0]["kind"] == "see_clinician"
    assert all(tip["actions"][0]["kind"] == "see_clinician" for tip in answer["tips"])


def test_the_care_tip_is_not_shown_on_self_care_answers() -> None:
    assert "seek_care_now" not in {tip["id"] for tip in _answer(_long_run(90))["tips"]}


def test_the_compiler_lists_every_action_problem_by_path() -> None:
    data = copy.deepcopy(default_bundle().model_dump(mode="json"))
    tip = next(t for t in data["tips"] if t["id"] == "cool_down")
    tip["actions"] = [
        {"kind": "drink", "unit": "g", "when": "after", "amount": {"field": "nope.field"}},
        {
            "kind": "rest",
            "unit": "days",
            "when": "after",
            "amount": {"default": 1, "min": 3, "max": 2},
        },
        {"kind": "see_clinician", "unit": "ml", "when": "after", "amount": {"default": 1}},
    ]
    index = data["tips"].index(tip)
    with pytest.raises(RuleCompileError) as error:
        compile_ruleset(Bundle.model_validate(data))
    paths = {path for path, _ in error.value.problems}
    assert {
        f"tips.{index}.actions.0.unit",
        f"tips.{index}.actions.0.amount.field",
        f"tips.{index}.actions.1.amount.min",
        f"tips.{index}.actions.2.unit",
        f"tips.{index}.actions.2.amount",
    } <= paths


def test_a_golden_case_catches_a_changed_action() -> None:
    from app.rules.bundle import GoldenCase
    from app.rules.golden import run_golden_case

    case = GoldenCase.model_validate(
        {
            "id": "wrong-warm-up",
            "context": {
                "activity": {"type": "hiit", "duration_min": 30, "intensity_rpe": 9},
                "preparation": {"warmup_min": 0},
            },
            "expect": {"expect_actions": {"structured_warmup": [{"kind": "warm_up", "amount": 5}]}},
        }
    )
    outcome = run_golden_case(default_engine(), case)
    assert not outcome.passed
    assert any("structured_warmup" in reason for reason in outcome.reasons)


def test_action_flags_are_strict_booleans() -> None:
    """An editor's `per_hour: 0` is refused, not read as false: the spec says boolean (and
    `offset_min: false` is not 0)."""
    from pydantic import ValidationError

    from app.rules.bundle import ExpectedAction

    with pytest.raises(ValidationError):
        ExpectedAction.model_validate({"kind": "eat", "per_hour": 0})
    data = copy.deepcopy(default_bundle().model_dump(mode="json"))
    for field, not_its_type in (("per_hour", 1), ("offset_is_amount", 0), ("offset_min", False)):
        changed = copy.deepcopy(data)
        action = next(t for t in changed["tips"] if t.get("actions"))["actions"][0]
        action[field] = not_its_type
        with pytest.raises(ValidationError):
            Bundle.model_validate(changed)
    whole = copy.deepcopy(data)
    next(t for t in whole["tips"] if t.get("actions"))["actions"][0]["offset_min"] = 10.0
    assert Bundle.model_validate(whole)  # JSON Schema's integer: 10.0 is one
