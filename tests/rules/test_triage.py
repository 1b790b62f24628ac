"""Triage: every red flag fires at its level, alone and combined, and nothing can hide one.

A missed urgent sign is the worst failure this service can have, so the urgent symptoms are
listed here explicitly as well as read from the content: deleting a red flag from the bundle
fails these tests.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.bundle import Condition, RedFlag
from app.rules.golden import golden_context
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from app.workout.vocabulary import AssociatedSymptom
from tests.rules.helpers import (
    LEVELS,
    assess,
    context,
    contexts,
    default_bundle,
    default_engine,
    evaluate,
    is_integer,
)

URGENT_SYMPTOMS = [
    "chest_pain",
    "fainting",
    "confusion",
    "dark_urine",
    "one_sided_weakness",
    "difficulty_breathing",
    "high_body_temperature",
    "seizure",
    "one_sided_numbness",
    "chest_tightness",
    "throat_swelling",
    "slurred_speech",
    "facial_droop",
]
CONSULT_SYMPTOMS = [
    "numbness",
    "dizziness",
    "palpitations",
    "severe_muscle_pain",
    "muscle_swelling",
    "fever",
    "shortness_of_breath",
    "wheeze",
    "hives",
    "muscle_rigidity",
    "agitation",
]
# Common after a hard effort: alone they set no level; they count beside other signs.
NO_FLAG_ALONE = ["nausea", "heavy_sweating"]
HEAT_SENSITIVE_SYMPTOMS = ["severe_headache", "vomiting"]  # urgent in the heat, else consult
HOT = {"temperature_c": 33, "humidity_pct": 50}

CONSULT_SECTIONS: list[dict[str, Any]] = [
    {"symptoms": {"persisting_days": 2}},
    {"symptoms": {"persisting_days": 7}},
    {"symptoms": {"duration_min": 1440}},
    {"symptoms": {"associated": ["numbness"]}},
    {"symptoms": {"associated": ["severe_headache"]}},
    {"symptoms": {"associated": ["vomiting"]}},
    {"symptoms": {"severity": "severe", "recurrent": True}},
    {"hydration": {"urine_color": 7}},
    {"hydration": {"urine_color": 8}},
]
SELF_CARE_SECTIONS: list[dict[str, Any]] = [
    {},
    {"symptoms": {"persisting_days": 0}},
    {"symptoms": {"persisting_days": 1}},
    {"symptoms": {"severity": "severe"}},
    {"symptoms": {"severity": "moderate", "recurrent": True}},
    {"symptoms": {"associated": []}},
    {"hydration": {"urine_color": 6}},
    {"environment": HOT, "symptoms": {"severity": "moderate", "cramps": True}},
]


def level_of(engine: AssessmentEngine, ctx: WorkoutContext) -> str:
    return engine.evaluate(ctx).level


def symptoms(*associated: str, **more: Any) -> dict[str, Any]:
    return {"symptoms": {"associated": list(associated), **more}}


@pytest.mark.parametrize("symptom", URGENT_SYMPTOMS)
def test_each_urgent_symptom_alone_is_urgent(engine: AssessmentEngine, symptom: str) -> None:
    evaluation = engine.evaluate(context(**symptoms(symptom)))
    assert evaluation.level == "urgent"
    assert symptom in [flag.id for flag in evaluation.red_flags]


@pytest.mark.parametrize("symptom", HEAT_SENSITIVE_SYMPTOMS)
def test_headache_or_vomiting_in_the_heat_is_urgent(engine: AssessmentEngine, symptom: str) -> None:
    assert level_of(engine, context(environment=HOT, **symptoms(symptom))) == "urgent"
    assert level_of(engine, context(environment={"temperature_c": 15}, **symptoms(symptom))) == (
        "consult"
    )
    assert level_of(engine, context(**symptoms(symptom))) == "consult"


@pytest.mark.parametrize("symptom", CONSULT_SYMPTOMS)
def test_each_consult_symptom_alone_is_consult(engine: AssessmentEngine, symptom: str) -> None:
    evaluation = engine.evaluate(context(**symptoms(symptom)))
    assert evaluation.level == "consult"
    assert symptom in [flag.id for flag in evaluation.red_flags]


def test_shivering_is_ordinary_when_cool_and_urgent_in_the_heat(engine: AssessmentEngine) -> None:
    cool = context(environment={"temperature_c": 8}, **symptoms("shivering"))
    assert level_of(engine, cool) == "self_care"
    assert level_of(engine, context(environment=HOT, **symptoms("shivering"))) == "urgent"


@pytest.mark.parametrize(
    "pair", [("palpitations", "dizziness"), ("severe_muscle_pain", "muscle_swelling")]
)
def test_dangerous_pairs_are_urgent(engine: AssessmentEngine, pair: tuple[str, str]) -> None:
    assert level_of(engine, context(**symptoms(*pair))) == "urgent"


# Exercise-associated hyponatraemia happens mostly in mild weather: 16 °C, 6 l of plain water
# over a long run, a weight gain. The flags used to fire only in the heat.
MILD_OVERDRINKING: dict[str, Any] = {
    "activity": {"type": "running", "duration_min": 270, "intensity_rpe": 5},
    "environment": {"temperature_c": 16, "humidity_pct": 60},
    "hydration": {"fluid_intake_ml": 6000, "body_mass_change_pct": 2},
}


@pytest.mark.parametrize("symptom", ["vomiting", "severe_headache", "confusion"])
@pytest.mark.parametrize("evidence", ["surplus", "weight_gain", "both"])
def test_overdrinking_with_its_symptoms_is_urgent_in_mild_weather(
    engine: AssessmentEngine, symptom: str, evidence: str
) -> None:
    data: dict[str, Any] = {key: dict(value) for key, value in MILD_OVERDRINKING.items()}
    if evidence == "surplus":
        del data["hydration"]["body_mass_change_pct"]
    elif evidence == "weight_gain":
        del data["hydration"]["fluid_intake_ml"]
    data["symptoms"] = {"associated": [symptom]}
    assert level_of(engine, WorkoutContext.model_validate(data)) == "urgent"


@pytest.mark.parametrize(
    "activity",
    [
        {"type": "strength_training", "duration_min": 45, "load_pct_1rm": 95, "sets": 5},
        {"type": "running", "duration_min": 20, "intensity_rpe": 9},
    ],
)
def test_a_severe_headache_at_maximal_effort_is_urgent(
    engine: AssessmentEngine, activity: dict[str, Any]
) -> None:
    ctx = WorkoutContext.model_validate({"activity": activity, **symptoms("severe_headache")})
    assert level_of(engine, ctx) == "urgent"


@pytest.mark.parametrize(
    "shaking",
    [{"persisting_days": 1}, {"duration_min": 720}],
    ids=["next-day", "12-hours"],
)
def test_severe_shaking_that_lasts_is_consult(
    engine: AssessmentEngine, shaking: dict[str, Any]
) -> None:
    severe = context(symptoms={"severity": "severe", **shaking})
    assert level_of(engine, severe) == "consult"
    mild = context(symptoms={"severity": "mild", **shaking})
    assert level_of(engine, mild) == "self_care"


def test_headache_with_vomiting_is_urgent_even_when_cool(engine: AssessmentEngine) -> None:
    ctx = context(environment={"temperature_c": 10}, **symptoms("severe_headache", "vomiting"))
    assert level_of(engine, ctx) == "urgent"


@pytest.mark.parametrize("sections", CONSULT_SECTIONS)
def test_consult_findings(engine: AssessmentEngine, sections: dict[str, Any]) -> None:
    assert level_of(engine, context(**sections)) == "consult"


@pytest.mark.parametrize("sections", SELF_CARE_SECTIONS)
def test_ordinary_answers_stay_self_care(
    engine: AssessmentEngine, sections: dict[str, Any]
) -> None:
    evaluation = engine.evaluate(context(**sections))
    assert evaluation.level == "self_care"
    assert evaluation.red_flags == ()


@pytest.mark.parametrize("pair", list(itertools.combinations(URGENT_SYMPTOMS, 2)))
def test_urgent_symptoms_combined_stay_urgent(
    engine: AssessmentEngine, pair: tuple[str, str]
) -> None:
    evaluation = engine.evaluate(context(**symptoms(*pair)))
    assert evaluation.level == "urgent"
    assert set(pair) <= {flag.id for flag in evaluation.red_flags}


@pytest.mark.parametrize("symptom", URGENT_SYMPTOMS)
@pytest.mark.parametrize("sections", CONSULT_SECTIONS)
def test_urgent_wins_over_consult(
    engine: AssessmentEngine, symptom: str, sections: dict[str, Any]
) -> None:
    merged: dict[str, Any] = {key: dict(value) for key, value in sections.items()}
    merged.setdefault("symptoms", {})
    merged["symptoms"]["associated"] = [*merged["symptoms"].get("associated", []), symptom]
    evaluation = engine.evaluate(context(**merged))
    assert evaluation.level == "urgent"
    assert evaluation.red_flags[0].level == "urgent"  # most severe first


def test_every_symptom_is_listed_in_one_group() -> None:
    grouped = {
        *URGENT_SYMPTOMS,
        *HEAT_SENSITIVE_SYMPTOMS,
        *CONSULT_SYMPTOMS,
        *NO_FLAG_ALONE,
        "shivering",
    }
    assert grouped == {symptom.value for symptom in AssociatedSymptom}


# --- every red flag of the content, from a context built from its own conditions --------------

# Derived fields cannot be set directly: these inputs push each one to its high end.
DERIVED_EXAMPLES: dict[str, dict[str, Any]] = {
    "derived.heat_index_c": {"environment": {"temperature_c": 45, "humidity_pct": 60}},
    "derived.estimated_fluid_surplus_ml": {"hydration": {"fluid_intake_ml": 6000}},
    "derived.hot_exertion_without_illness": {
        "environment": {"temperature_c": 33, "humidity_pct": 50}
    },
}


def satisfying_value(condition: Condition) -> Any:
    op, value = condition.op, condition.value
    if op in ("gte", "lte", "eq"):
        return value
    if op == "gt":
        return value + 1  # type: ignore[operator]
    if op == "lt":
        return value - 1  # type: ignore[operator]
    if op in ("between", "in", "contains_any"):
        return value[0]  # type: ignore[index]
    if op == "true":
        return True
    if op == "false":
        return False
    if op == "contains":
        return value
    raise AssertionError(f"no example value for op {op!r}: extend this test")


def satisfying_context(flag: RedFlag) -> WorkoutContext:
    data: dict[str, Any] = {"activity": {"type": "running", "duration_min": 30}}
    for condition in flag.when:
        if condition.field.startswith("derived."):
            assert condition.field in DERIVED_EXAMPLES, f"add an example for {condition.field}"
            for section, values in DERIVED_EXAMPLES[condition.field].items():
                data.setdefault(section, {}).update(values)
            continue
        section, name = condition.field.split(".")
        value = satisfying_value(condition)
        if is_integer(condition.field):  # the bundle stores every number as a float
            value = math.ceil(value)
        target = data.setdefault(section, {})
        if condition.op.startswith("contains"):
            target[name] = [*target.get(name, []), value]
        else:
            target[name] = value
    return WorkoutContext.model_validate(data)


RED_FLAGS = default_bundle().red_flags


@pytest.mark.parametrize("flag", RED_FLAGS, ids=[flag.id for flag in RED_FLAGS])
def test_every_red_flag_triggers_its_level(engine: AssessmentEngine, flag: RedFlag) -> None:
    evaluation = engine.evaluate(satisfying_context(flag))
    assert flag.id in [fired.id for fired in evaluation.red_flags]
    assert evaluation.level == flag.level


@pytest.mark.parametrize("flag", RED_FLAGS, ids=[flag.id for flag in RED_FLAGS])
def test_every_red_flag_has_a_reason_in_the_answer(engine: AssessmentEngine, flag: RedFlag) -> None:
    answer = assess(engine, satisfying_context(flag), locale="en", assessment_id="t")
    codes = [reason.code for reason in answer.triage.reasons]
    assert flag.id in codes
    assert all(reason.message for reason in answer.triage.reasons)
    assert answer.triage.headline


def test_the_content_covers_the_contract_s_urgent_signs() -> None:
    urgent_symptoms = {
        condition.value
        for flag in RED_FLAGS
        if flag.level == "urgent" and len(flag.when) == 1
        for condition in flag.when
        if condition.field == "symptoms.associated"
    }
    assert set(URGENT_SYMPTOMS) <= urgent_symptoms


# --- properties ---------------------------------------------------------------------------

symptom_lists = st.lists(st.sampled_from([s.value for s in AssociatedSymptom]), unique=True)


@given(contexts, symptom_lists, st.sampled_from([s.value for s in AssociatedSymptom]))
@settings(max_examples=150, deadline=None)
def test_adding_a_symptom_never_lowers_the_level(
    ctx: WorkoutContext, before: list[str], added: str
) -> None:
    engine = default_engine()
    base = ctx.model_copy(
        update={"symptoms": ctx.symptoms.model_copy(update={"associated": before})}
    )
    more = ctx.model_copy(
        update={"symptoms": ctx.symptoms.model_copy(update={"associated": [*before, added]})}
    )
    assert LEVELS[evaluate(engine, more).level] >= LEVELS[evaluate(engine, base).level]


@given(contexts, st.sampled_from(URGENT_SYMPTOMS))
@settings(max_examples=150, deadline=None)
def test_an_urgent_symptom_is_urgent_whatever_else_is_true(
    ctx: WorkoutContext, symptom: str
) -> None:
    associated = [*(ctx.symptoms.associated or []), symptom]
    ctx = ctx.model_copy(
        update={"symptoms": ctx.symptoms.model_copy(update={"associated": associated})}
    )
    assert evaluate(default_engine(), ctx).level == "urgent"


def test_every_red_flag_has_a_golden_case_that_fires_it_at_its_level(
    engine: AssessmentEngine,
) -> None:
    """Golden cases guard publishing: a draft that loses a red flag cannot be published."""
    guarded: set[str] = set()
    for case in default_bundle().golden_cases:
        context = golden_context(case, engine.synonyms("en"))
        assert isinstance(context, WorkoutContext), context
        evaluation = engine.evaluate(context)
        if case.expect.triage_any == [evaluation.level]:
            guarded |= {flag.id for flag in evaluation.red_flags if flag.level == evaluation.level}
    assert [flag.id for flag in RED_FLAGS if flag.id not in guarded] == []
