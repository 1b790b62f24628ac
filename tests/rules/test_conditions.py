"""Conditions: the engine's side of "emergencies first", on content written for each test.

The default content's conditions are tested in tests/content/test_conditions_content.py; here
each rule of the engine is pinned with small flags and conditions of its own: where the
disposition comes from, which conditions are shown and in what order, the headline, the
tips, the demoted causes, `unless`, unknown words, and the publishing gates.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.content.validation import check_bundle
from app.rules.bundle import Bundle, GoldenCase
from app.rules.golden import run_golden_case
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from app.workout.lenient import read_leniently
from app.workout.vocabulary import normalise_word
from tests.rules.helpers import default_bundle

HEADLINES = {
    "call_emergency_number": {
        "en": "{title}: call now. {first_step}",
        "es": "{title}: llama. {first_step}",
    },
    "emergency_department": {
        "en": "{title}: go now. {first_step}",
        "es": "{title}: ve ya. {first_step}",
    },
    "see_clinician_today": {
        "en": "{title}: today. {first_step}",
        "es": "{title}: hoy. {first_step}",
    },
    "see_clinician_soon": {
        "en": "{title}: soon. {first_step}",
        "es": "{title}: pronto. {first_step}",
    },
}


def condition(condition_id: str, disposition: str, **extra: Any) -> dict[str, Any]:
    text = {
        "title": f"Title {condition_id}",
        "summary": f"Summary {condition_id}.",
        "first_aid": [f"First step {condition_id}.", "Second step."],
        "avoid": ["Do not wait."],
    }
    return {
        "id": condition_id,
        "disposition": disposition,
        "text": {"en": text, "es": text},
        **extra,
    }


def flag(flag_id: str, level: str, symptom: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": flag_id,
        "level": level,
        "when": [{"field": "symptoms.associated", "op": "contains", "value": symptom}],
        "message": {"en": f"Because {flag_id}.", "es": f"Porque {flag_id}."},
        **extra,
    }


def bundle_with(
    flags: list[dict[str, Any]], conditions: list[dict[str, Any]], **changes: Any
) -> Bundle:
    """The default bundle with these flags and conditions instead of its own (tips become
    care tips where a condition names them)."""
    data = default_bundle().model_dump(mode="json")
    cared = {tip for item in conditions for tip in item.get("tips", [])}
    for tip in data["tips"]:
        tip["care"] = tip["id"] in cared
        tip["hidden_by"] = []
    data.update(
        red_flags=flags, conditions=conditions, disposition_headlines=HEADLINES, golden_cases=[]
    )
    data.update(changes)
    return Bundle.model_validate(data)


def answer(bundle: Bundle, *symptoms: str, locale: str = "en", **sections: Any) -> dict[str, Any]:
    context = WorkoutContext.model_validate(
        {
            "activity": {"type": "running", "duration_min": 60, "intensity_rpe": 7},
            "symptoms": {"associated": list(symptoms)},
            **sections,
        }
    )
    return AssessmentEngine(bundle, 1).assess_payload(
        context, locale=locale, limit=13, assessment_id="t", explain=True
    )


FLAGS = [
    flag("pain", "urgent", "chest_pain", condition="heart"),
    flag("droop", "urgent", "facial_droop", condition="brain", disposition="emergency_department"),
    flag("odd", "urgent", "confusion", condition="generic"),
    flag("dizzy", "consult", "dizziness", condition="slow"),
    flag("numb", "consult", "numbness"),
]
CONDITIONS = [
    condition("heart", "call_emergency_number", tips=["seek_care_now"], demotes=["muscle_fatigue"]),
    condition("brain", "call_emergency_number"),
    condition("generic", "emergency_department", fallback=True),
    condition("slow", "see_clinician_today"),
]


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return bundle_with(FLAGS, CONDITIONS)


def test_a_flag_takes_its_conditions_disposition_unless_it_sets_its_own(bundle: Bundle) -> None:
    assert answer(bundle, "chest_pain")["triage"]["disposition"] == "call_emergency_number"
    assert answer(bundle, "facial_droop")["triage"]["disposition"] == "emergency_department"
    assert answer(bundle, "dizziness")["triage"]["disposition"] == "see_clinician_today"
    # a consult flag without a condition: within days
    assert answer(bundle, "numbness")["triage"]["disposition"] == "see_clinician_soon"
    assert answer(bundle)["triage"]["disposition"] == "self_care"


def test_level_agrees_with_disposition(bundle: Bundle) -> None:
    for symptoms, level in [
        ((), "self_care"),
        (("numbness",), "consult"),
        (("dizziness",), "consult"),
        (("facial_droop",), "urgent"),
        (("chest_pain", "dizziness"), "urgent"),
    ]:
        assert answer(bundle, *symptoms)["triage"]["level"] == level


def test_conditions_most_serious_first_and_only_of_the_answers_level(bundle: Bundle) -> None:
    triage = answer(bundle, "dizziness", "facial_droop", "chest_pain")["triage"]
    # heart is called in (call_emergency_number), brain was given a milder door by its flag
    assert [item["id"] for item in triage["conditions"]] == ["heart", "brain"]
    assert triage["disposition"] == "call_emergency_number"
    assert [reason["code"] for reason in triage["reasons"]] == ["pain", "droop"]


def test_a_generic_warning_sign_only_when_nothing_specific_is_suspected(bundle: Bundle) -> None:
    assert [c["id"] for c in answer(bundle, "confusion")["triage"]["conditions"]] == ["generic"]
    both = answer(bundle, "confusion", "chest_pain")["triage"]
    assert [item["id"] for item in both["conditions"]] == ["heart"]
    assert [reason["code"] for reason in both["reasons"]] == ["pain", "odd"]


def test_the_headline_says_what_to_do_now_for_the_first_condition(bundle: Bundle) -> None:
    triage = answer(bundle, "chest_pain", "facial_droop")["triage"]
    assert triage["headline"] == "Title heart: call now. First step heart."
    assert triage["conditions"][0] == {
        "id": "heart",
        "title": "Title heart",
        "summary": "Summary heart.",
        "first_aid": ["First step heart.", "Second step."],
        "avoid": ["Do not wait."],
    }
    spanish = answer(bundle, "chest_pain", locale="es")["triage"]["headline"]
    assert spanish == "Title heart: llama. First step heart."


def test_only_the_conditions_care_tips_no_questions_no_counterfactuals(bundle: Bundle) -> None:
    urgent = answer(bundle, "chest_pain", hydration={"fluid_intake_ml": 100})
    assert [tip["id"] for tip in urgent["tips"]] == ["seek_care_now"]
    assert urgent["follow_up_questions"] == []
    assert all(cause["counterfactuals"] == [] for cause in urgent["causes"])
    consult = answer(bundle, "dizziness", hydration={"fluid_intake_ml": 100})
    assert consult["tips"] == []  # "slow" names no tips: no training advice beside it
    assert consult["follow_up_questions"] == []
    assert all(cause["counterfactuals"] == [] for cause in consult["causes"])


def test_a_cause_that_contradicts_the_condition_never_leads(bundle: Bundle) -> None:
    plain = answer(bundle)
    assert plain["causes"][0]["id"] == "muscle_fatigue"
    urgent = answer(bundle, "chest_pain")
    ids = [cause["id"] for cause in urgent["causes"]]
    assert ids[0] != "muscle_fatigue"
    assert ids[-1] == "muscle_fatigue"
    assert [cause["rank"] for cause in urgent["causes"]] == list(range(1, len(ids) + 1))


def test_unless_keeps_a_flag_from_firing() -> None:
    hot = {"field": "derived.heat_index_c", "op": "gte", "value": 26}
    bundle = bundle_with([flag("numb", "consult", "numbness", unless=[hot])], [])
    assert answer(bundle, "numbness")["triage"]["level"] == "consult"
    cool = answer(bundle, "numbness", environment={"temperature_c": 15})
    assert cool["triage"]["level"] == "consult"
    assert answer(bundle, "numbness", environment={"temperature_c": 34})["triage"]["level"] == (
        "self_care"
    )


def test_an_unknown_word_is_never_a_reassurance(bundle: Bundle) -> None:
    data = bundle.model_dump(mode="json")
    data["unknown_symptom_headline"] = {"en": "We could not read {words}.", "es": "No: {words}."}
    with_headline = Bundle.model_validate(data)
    engine = AssessmentEngine(with_headline, 1)
    context = WorkoutContext.model_validate({"activity": {"type": "running", "duration_min": 30}})
    triage = engine.assess_payload(
        context, locale="en", assessment_id="t", unknown_words=["squeezy"]
    )["triage"]
    assert triage["level"] == "consult"
    assert triage["disposition"] == "see_clinician_soon"
    assert triage["headline"] == "We could not read 'squeezy'."
    assert triage["reasons"][0]["code"] == "unknown_symptom"
    # a triage that already sends the person to care keeps its own word
    urgent = engine.assess_payload(
        WorkoutContext.model_validate(
            {
                "activity": {"type": "running", "duration_min": 30},
                "symptoms": {"associated": ["chest_pain"]},
            }
        ),
        locale="en",
        assessment_id="t",
        unknown_words=["squeezy"],
    )["triage"]
    assert urgent["disposition"] == "call_emergency_number"


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("Opresión en el pecho", "opresion_en_el_pecho"),
        ("  chest--pressure ", "chest_pressure"),
        ("CHEST PAIN", "chest_pain"),
    ],
)
def test_words_are_normalised_before_they_are_looked_up(word: str, key: str) -> None:
    assert normalise_word(word) == key


def test_a_symptom_in_other_words_or_letters_is_read_as_the_symptom() -> None:
    read = read_leniently(
        {
            "activity": {"type": "running", "duration_min": 30},
            "symptoms": {"associated": ["Chest Pain", "Opresión en el pecho", "wobbly"]},
        },
        {"opresion_en_el_pecho": "chest_tightness"},
    )
    assert read.context is not None
    assert read.context.symptoms.associated == ["chest_pain", "chest_tightness"]
    assert [(issue.code, issue.value) for issue in read.issues] == [("unknown_symptom", "wobbly")]


def test_publishing_refuses_an_urgent_flag_without_a_condition() -> None:
    bundle = bundle_with([flag("pain", "urgent", "chest_pain")], [])
    assert any(
        problem.path == "red_flags.0.condition" and "names no condition" in problem.message
        for problem in check_bundle(bundle)
    )


def test_publishing_refuses_a_condition_without_a_golden_case_at_its_disposition() -> None:
    case = {
        "id": "heart-case",
        "context": {
            "activity": {"type": "running", "duration_min": 30},
            "symptoms": {"associated": ["chest_pain"]},
        },
        "expect": {"conditions_include": ["heart"], "disposition_any": ["emergency_department"]},
    }
    bundle = bundle_with(FLAGS[:1], CONDITIONS[:1], golden_cases=[case])
    problems = [problem.path for problem in check_bundle(bundle)]
    assert "conditions.0" in problems  # the case holds it, but at another disposition
    case["expect"]["disposition_any"] = ["call_emergency_number"]
    held = bundle_with(FLAGS[:1], CONDITIONS[:1], golden_cases=[case])
    assert "conditions.0" not in [problem.path for problem in check_bundle(held)]


def test_a_golden_case_fails_when_an_emergency_shows_a_training_tip() -> None:
    # an editor's draft: an urgent flag without its condition, and a training tip that is no
    # longer hidden at urgent; the golden case catches what the ranking then shows
    bundle = bundle_with([flag("pain", "urgent", "chest_pain")], [])
    data = bundle.model_dump(mode="json")
    for tip in data["tips"]:
        tip["hidden_at"] = []
    edited = Bundle.model_validate(data)
    case = GoldenCase.model_validate(
        {
            "id": "pain",
            "context": {
                "activity": {"type": "running", "duration_min": 30},
                "symptoms": {"associated": ["chest_pain"]},
            },
            "expect": {"triage_any": ["urgent"]},
        }
    )
    outcome = run_golden_case(AssessmentEngine(edited, 1), case)
    assert not outcome.passed
    assert any("prevention must wait" in reason for reason in outcome.safety)


def test_golden_cases_check_disposition_and_conditions(bundle: Bundle) -> None:
    engine = AssessmentEngine(bundle, 1)
    context = {
        "activity": {"type": "running", "duration_min": 30},
        "symptoms": {"associated": ["facial_droop"]},
    }
    good = GoldenCase.model_validate(
        {
            "id": "ok",
            "context": context,
            "expect": {
                "disposition_any": ["emergency_department"],
                "conditions_include": ["brain"],
                "conditions_exactly": ["brain"],
            },
        }
    )
    assert run_golden_case(engine, good).passed
    bad = GoldenCase.model_validate(
        {
            "id": "bad",
            "context": context,
            "expect": {"disposition_any": ["call_emergency_number"], "conditions_exactly": []},
        }
    )
    outcome = run_golden_case(engine, bad)
    assert not outcome.passed
    assert len(outcome.safety) == 2
