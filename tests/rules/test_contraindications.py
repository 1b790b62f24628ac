"""No tip or reason contradicts the triage: contraindications are content data (tips.yaml:
`hidden_at`, `hidden_by`, `hidden_when`), checked by the compiler, applied by the answer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.rules.bundle import Bundle
from app.rules.compiler import RuleCompileError, compile_ruleset
from app.workout.context import WorkoutContext
from app.workout.vocabulary import ActivityType
from bench.contexts import varied
from tests.rules.helpers import assess, default_bundle, default_engine
from tests.rules.test_compiler import with_changes

RAMP = {"hidden_when": [{"field": "hydration.fluid_intake_ml", "op": "ramp_up", "value": [1, 9]}]}
DRINKING_TIPS = {"hydrate_before_during_after", "check_hydration_status", "heat_acclimatise"}
MILD_OVERDRINKING: dict[str, Any] = {
    "activity": {"type": "running", "duration_min": 270, "intensity_rpe": 5},
    "environment": {"temperature_c": 16, "humidity_pct": 60},
    "hydration": {"fluid_intake_ml": 6000, "body_mass_change_pct": 2},
}
HOT_AND_DRY: dict[str, Any] = {
    "activity": {"type": "cycling", "duration_min": 180, "intensity_rpe": 7},
    "environment": {"temperature_c": 34, "humidity_pct": 50},
    "hydration": {"fluid_intake_ml": 300},
}


def _answer(data: dict[str, Any], locale: str = "en") -> Any:
    context = WorkoutContext.model_validate(data)
    return assess(default_engine(), context, locale=locale, limit=8, assessment_id="t")


@pytest.mark.parametrize("locale", ["en", "es"])
def test_an_urgent_answer_holds_only_urgent_reasons_and_no_training_tips(locale: str) -> None:
    answer = _answer(
        {**HOT_AND_DRY, "symptoms": {"associated": ["chest_pain", "numbness", "vomiting"]}},
        locale,
    )
    assert answer.triage.level == "urgent"
    assert {reason.code for reason in answer.triage.reasons} == {"chest_pain", "vomiting_in_heat"}
    # only the tip that sends the person to care, with the visit as its action
    assert [tip.id for tip in answer.tips] == ["seek_care_now"]
    assert [action.kind for action in answer.tips[0].actions] == ["see_clinician"]


def test_a_consult_answer_keeps_its_tips() -> None:
    answer = _answer({**HOT_AND_DRY, "symptoms": {"associated": ["numbness"]}})
    assert answer.triage.level == "consult"
    assert answer.tips


@pytest.mark.parametrize("evidence", ["surplus", "weight_gain"])
def test_no_drinking_advice_when_the_athlete_drank_more_than_they_sweated(evidence: str) -> None:
    data: dict[str, Any] = {key: dict(value) for key, value in MILD_OVERDRINKING.items()}
    if evidence == "surplus":
        del data["hydration"]["body_mass_change_pct"]
    else:
        data["hydration"] = {"body_mass_change_pct": 2}
    answer = _answer(data)
    assert answer.triage.level == "self_care"  # no symptom: nothing to flag yet
    assert DRINKING_TIPS.isdisjoint(tip.id for tip in answer.tips)


def test_drinking_advice_still_serves_the_dehydrated() -> None:
    answer = _answer(HOT_AND_DRY)
    assert "hydrate_before_during_after" in {tip.id for tip in answer.tips}


def _tips_with(bundle: Bundle, **extra: Any) -> list[dict[str, Any]]:
    tips = [tip.model_dump(mode="json") for tip in bundle.tips]
    tips[0] = {**tips[0], **extra}
    return tips


@pytest.mark.parametrize(
    ("extra", "where", "says"),
    [
        ({"hidden_by": ["no_such_flag"]}, "tips.0.hidden_by.0", "no red flag"),
        (
            {
                "hidden_when": [
                    {"field": "hydration.fluid_intake_ml", "op": "ramp_up", "value": [1, 2]}
                ]
            },
            "tips.0.hidden_when.0.op",
            "shown or not",
        ),
        (
            {"hidden_when": [{"field": "hydration.no_such", "op": "gte", "value": 1}]},
            "tips.0.hidden_when.0.field",
            "unknown field",
        ),
    ],
)
def test_the_compiler_refuses_a_contraindication_it_cannot_apply(
    extra: dict[str, Any], where: str, says: str
) -> None:
    bundle = default_bundle()
    broken = with_changes(bundle, tips=_tips_with(bundle, **extra))
    with pytest.raises(RuleCompileError) as caught:
        compile_ruleset(broken)
    assert any(path == where and says in message for path, message in caught.value.problems)


def test_every_tip_of_the_default_content_waits_for_urgent_care() -> None:
    """Every training tip waits for care; a care tip that an urgent answer can show sends
    the person to care first."""
    for tip in default_bundle().tips:
        if not tip.care:
            assert "urgent" in tip.hidden_at
        elif "urgent" not in tip.hidden_at:
            assert tip.actions and tip.actions[0].kind == "see_clinician"


@pytest.mark.parametrize(
    ("activity", "never_asked"),
    [
        (
            {"type": "hiit", "duration_min": 45, "intensity_rpe": 8},
            {"activity.elevation_loss_m", "activity.elevation_gain_m", "activity.distance_km"},
        ),
        (
            {"type": "hiking", "duration_min": 300, "intensity_rpe": 6},
            {"activity.load_pct_1rm", "activity.sets", "activity.reps_per_set"},
        ),
    ],
)
def test_follow_up_questions_fit_the_activity(
    activity: dict[str, Any], never_asked: set[str]
) -> None:
    for symptoms in ({}, {"severity": "severe", "timing": "after"}):
        answer = _answer({"activity": activity, "symptoms": symptoms})
        asked = {question.field for question in answer.follow_up_questions}
        assert asked and asked.isdisjoint(never_asked), asked


def test_no_context_is_asked_a_question_that_does_not_fit_its_activity() -> None:
    ruleset = default_engine().ruleset
    restricted = set(ruleset.question_activities)
    asked_restricted = 0
    for body in varied(64, seed=11):
        for activity in ActivityType:
            data = copy.deepcopy(body)
            data["activity"]["type"] = activity.value
            for name in ("load_pct_1rm", "sets", "reps_per_set", "to_failure", "distance_km"):
                data["activity"].pop(name, None)
            answer = _answer(data)
            for question in answer.follow_up_questions:
                assert ruleset.asks_after(question.field, activity.value), (activity, question)
                asked_restricted += question.field in restricted
    assert asked_restricted > 0  # the restricted questions are still asked where they fit


def test_a_measured_weight_gain_silences_the_estimated_fluid_deficit() -> None:
    """The estimate of sweat said "you likely finished short of fluid" beside "you weighed no
    less after the session": the measurement wins."""
    estimated = _answer(HOT_AND_DRY)
    dehydration = next(c for c in estimated.causes if c.id == "dehydration")
    assert "hydration.fluid_intake_ml" in {item.field for item in dehydration.evidence}
    measured = _answer(
        {**HOT_AND_DRY, "hydration": {"fluid_intake_ml": 300, "body_mass_change_pct": 1}}
    )
    dehydration_after = next(c for c in measured.causes if c.id == "dehydration")
    fields = [item.field for item in dehydration_after.evidence]
    assert "hydration.fluid_intake_ml" not in fields
    assert "hydration.body_mass_change_pct" in fields
    assert dehydration_after.score < dehydration.score


def test_the_compiler_refuses_a_ramp_as_a_silencer() -> None:
    bundle = default_bundle()
    rules = [rule.model_dump(mode="json") for rule in bundle.rules]
    rules[0]["signals"][0]["silenced_when"] = RAMP["hidden_when"]
    with pytest.raises(RuleCompileError) as caught:
        compile_ruleset(with_changes(bundle, rules=rules))
    assert any("silenced_when.0.op" in path for path, _ in caught.value.problems)
