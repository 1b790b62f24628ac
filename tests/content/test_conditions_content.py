"""The default content's must-not-miss conditions, words and measured-value rules, through the
engine: each condition is suspected where it should be, at its disposition, with its first aid
in the headline; each synonym reads as its symptom; each measured-value and medicine rule
fires (or stays quiet) as written; and no answer that suspects a condition shows training
advice or a self-care headline.

The engine's own rules (where a disposition comes from, ordering, fallback) are pinned in
tests/rules/test_conditions.py on content written for those tests; this module pins the
clinical content itself.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from app.workout.lenient import read_leniently
from app.workout.vocabulary import AssociatedSymptom, normalise_word
from tests.content.test_reading_level import fernandez_huerta, flesch_kincaid_grade
from tests.rules.helpers import contexts, default_bundle, default_engine

LOCALES = ("en", "es")
URGENT_DISPOSITIONS = {"emergency_department", "call_emergency_number"}
HOT = {"temperature_c": 31, "humidity_pct": 55}


def answer_for(data: dict[str, Any], locale: str = "en") -> dict[str, Any]:
    """The answer to a request body, read as the service reads one (synonyms included)."""
    engine = default_engine()
    read = read_leniently(data, engine.synonyms(locale))
    assert read.context is not None, read.fatal
    return engine.assess_payload(read.context, locale=locale, limit=8, assessment_id="t")


def body(**sections: Any) -> dict[str, Any]:
    """A request body; `activity` defaults to a 40-minute run at a moderate effort."""
    return {"activity": {"type": "running", "duration_min": 40, "intensity_rpe": 6}, **sections}


def condition_ids(answer: dict[str, Any]) -> list[str]:
    return [item["id"] for item in answer["triage"]["conditions"]]


def ranked(answer: dict[str, Any]) -> list[str]:
    return [cause["id"] for cause in answer["causes"]]


def reasons(answer: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in answer["triage"]["reasons"]]


# --- each condition, where it should be suspected, at its disposition ----------------------

SITUATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "cardiac_warning": (
        body(athlete={"age_years": 55}, symptoms={"associated": ["chest_tightness"]}),
        "call_emergency_number",
    ),
    "stroke_warning": (body(symptoms={"associated": ["facial_droop"]}), "call_emergency_number"),
    "anaphylaxis": (
        body(symptoms={"associated": ["hives", "throat_swelling", "wheeze"]}),
        "call_emergency_number",
    ),
    "seizure": (body(symptoms={"associated": ["seizure"]}), "call_emergency_number"),
    "exertional_heat_illness": (
        body(
            activity={"type": "running", "duration_min": 60, "intensity_rpe": 8},
            environment={"temperature_c": 29, "humidity_pct": 80},
            health={"body_temperature_c": 40.4},
        ),
        "call_emergency_number",
    ),
    "exercise_associated_hyponatraemia": (
        body(
            activity={"type": "running", "duration_min": 300, "intensity_rpe": 5},
            environment={"temperature_c": 14},
            hydration={"fluid_intake_ml": 5000, "body_mass_change_pct": 1.2},
            symptoms={"associated": ["confusion"]},
        ),
        "call_emergency_number",
    ),
    "hypoglycaemia": (
        body(health={"medications": ["gliclazide"], "blood_glucose_mg_dl": 62}),
        "see_clinician_today",
    ),
    "hypothermia": (
        body(
            activity={"type": "swimming", "duration_min": 35, "intensity_rpe": 5},
            environment={"water_temperature_c": 10, "temperature_c": 12},
            health={"body_temperature_c": 34.6},
            symptoms={"associated": ["shivering"]},
        ),
        "call_emergency_number",
    ),
    "serotonin_toxicity": (
        body(
            activity={"type": "cycling", "duration_min": 45, "intensity_rpe": 3},
            health={"medications": ["sertraline"], "body_temperature_c": 38.7},
            intake={"pre_workout_stimulant": True},
            symptoms={"associated": ["agitation", "heavy_sweating"]},
        ),
        "emergency_department",
    ),
    "exertional_rhabdomyolysis": (
        body(symptoms={"associated": ["dark_urine"]}),
        "emergency_department",
    ),
    "serious_warning_sign": (
        body(intake={"caffeine_mg": 1400}),
        "emergency_department",
    ),
    "persistent_tremor": (
        body(athlete={"age_years": 67}, symptoms={"persisting_days": 10}),
        "see_clinician_soon",
    ),
}


def test_every_condition_of_the_content_has_a_situation_here() -> None:
    assert {condition.id for condition in default_bundle().conditions} == set(SITUATIONS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("condition_id", sorted(SITUATIONS))
def test_each_condition_is_suspected_at_its_disposition(condition_id: str, locale: str) -> None:
    data, disposition = SITUATIONS[condition_id]
    answer = answer_for(data, locale)
    triage = answer["triage"]
    assert triage["disposition"] == disposition
    assert condition_ids(answer)[0] == condition_id
    first = triage["conditions"][0]
    # the headline leads with the condition and its first step, in the request's language
    assert triage["headline"].startswith(first["title"])
    assert first["first_aid"][0] in triage["headline"]
    texts = next(c for c in default_bundle().conditions if c.id == condition_id).text[locale]
    assert first["first_aid"] == texts.first_aid
    assert first["avoid"] == texts.avoid


@pytest.mark.parametrize("condition_id", sorted(SITUATIONS))
def test_a_suspected_condition_shows_only_its_care_tips(condition_id: str) -> None:
    answer = answer_for(SITUATIONS[condition_id][0])
    condition = next(c for c in default_bundle().conditions if c.id == condition_id)
    care = {tip.id for tip in default_bundle().tips if tip.care}
    shown = [tip["id"] for tip in answer["tips"]]
    assert shown, "a suspected condition must say what to do: at least one care tip"
    assert set(shown) <= set(condition.tips) & care


@pytest.mark.parametrize("condition_id", sorted(SITUATIONS))
def test_a_suspected_condition_is_never_led_by_a_cause_it_contradicts(condition_id: str) -> None:
    answer = answer_for(SITUATIONS[condition_id][0])
    condition = next(c for c in default_bundle().conditions if c.id == condition_id)
    assert ranked(answer)[0] not in condition.demotes


def test_the_four_calls_are_calls() -> None:
    """cardiac_warning, stroke_warning, seizure and anaphylaxis: call now (issue 26)."""
    by_id = {condition.id: condition for condition in default_bundle().conditions}
    for condition_id in ("cardiac_warning", "stroke_warning", "seizure", "anaphylaxis"):
        assert by_id[condition_id].disposition == "call_emergency_number"


def test_every_urgent_flag_names_a_condition_and_agrees_with_its_level() -> None:
    levels = {
        "self_care": "self_care",
        "see_clinician_soon": "consult",
        "see_clinician_today": "consult",
        "emergency_department": "urgent",
        "call_emergency_number": "urgent",
    }
    conditions = {condition.id for condition in default_bundle().conditions}
    for flag in default_bundle().red_flags:
        if flag.level == "urgent":
            assert flag.condition in conditions, flag.id
        if flag.disposition is not None:
            assert levels[flag.disposition] == flag.level, flag.id


# --- texts ----------------------------------------------------------------------------------


def _condition_texts() -> list[tuple[str, str, Any]]:
    return [
        (condition.id, locale, text)
        for condition in default_bundle().conditions
        for locale, text in condition.text.items()
    ]


@pytest.mark.parametrize(("condition_id", "locale", "text"), _condition_texts())
def test_condition_texts_read_at_a_lay_level(condition_id: str, locale: str, text: Any) -> None:
    lines = [text.summary, *text.first_aid, *text.avoid]
    for line in lines:
        if locale == "en":
            assert flesch_kincaid_grade(line) <= 8.0, line
        else:
            assert fernandez_huerta(line) >= 60.0, line


@pytest.mark.parametrize(("condition_id", "locale", "text"), _condition_texts())
def test_every_headline_a_condition_can_lead_reads_at_a_lay_level(
    condition_id: str, locale: str, text: Any
) -> None:
    """The headline is "{title}: <where to go>. {first_step}", for any disposition a flag
    may give the condition."""
    for frames in default_bundle().disposition_headlines.values():
        headline = frames[locale].format(title=text.title, first_step=text.first_aid[0])
        if locale == "en":
            assert flesch_kincaid_grade(headline) <= 8.0, headline
        else:
            assert fernandez_huerta(headline) >= 60.0, headline


@pytest.mark.parametrize("condition_id", [c.id for c in default_bundle().conditions])
def test_each_locale_gives_the_same_steps(condition_id: str) -> None:
    condition = next(c for c in default_bundle().conditions if c.id == condition_id)
    english, spanish = condition.text["en"], condition.text["es"]
    assert len(english.first_aid) == len(spanish.first_aid)
    assert len(english.avoid) == len(spanish.avoid)
    assert 2 <= len(english.first_aid) <= 6 and 1 <= len(english.avoid) <= 5


@pytest.mark.parametrize("condition_id", [c.id for c in default_bundle().conditions])
def test_the_first_step_is_an_action_not_a_call(condition_id: str) -> None:
    """The headline already says call or go: the first step says what to do meanwhile."""
    condition = next(c for c in default_bundle().conditions if c.id == condition_id)
    assert not re.match(r"(call|phone|dial)\b", condition.text["en"].first_aid[0], re.I)
    assert not re.match(r"(llama|marca)\b", condition.text["es"].first_aid[0], re.I)


def test_low_sodium_is_explained_as_dilution_not_as_salt_lost_in_sweat() -> None:
    bundle = default_bundle()
    hyponatraemia = next(
        c for c in bundle.conditions if c.id == "exercise_associated_hyponatraemia"
    )
    assert "drink" in hyponatraemia.text["en"].summary.lower()
    assert any("drink more" in line for line in hyponatraemia.text["en"].avoid)
    electrolytes = next(c for c in bundle.causes if c.id == "electrolyte_imbalance")
    assert "drinking more than you sweat" in electrolytes.text["en"].explanation


def test_no_text_claims_litres_it_does_not_know() -> None:
    for rules in default_bundle().rules:
        for signal in rules.signals:
            assert "several litres" not in signal.message["en"], signal.id
            assert "varios litros" not in signal.message["es"], signal.id


def test_no_text_is_broken_inside_a_hyphenated_word() -> None:
    """A folded YAML line break after a hyphen reads "light- headed"."""
    dump = default_bundle().model_dump_json()
    assert not re.search(r"[^\W\d_]- [^\W\d_]", dump), re.findall(r"\w+- \w+", dump)


# --- words: every synonym reads as its symptom, in every locale --------------------------

SYNONYMS = sorted(
    (locale, word, symptom)
    for locale, words in default_bundle().symptom_synonyms.items()
    for word, symptom in words.items()
)


@pytest.mark.parametrize(("locale", "word", "symptom"), SYNONYMS)
def test_each_synonym_reads_as_its_symptom(locale: str, word: str, symptom: str) -> None:
    typed = word.replace("_", " ").capitalize()  # as a person would type it
    assert normalise_word(typed) == word
    for request_locale in LOCALES:  # a word in another language still names its symptom
        synonyms = default_engine().synonyms(request_locale)
        read = read_leniently(body(symptoms={"associated": [typed]}), synonyms)
        assert read.context is not None
        assert read.context.symptoms.associated == [symptom]
        assert not read.issues


@pytest.mark.parametrize(("locale", "word", "symptom"), SYNONYMS)
def test_a_synonym_answers_as_its_symptom_does(locale: str, word: str, symptom: str) -> None:
    by_word = answer_for(body(symptoms={"associated": [word]}), locale)["triage"]
    by_symptom = answer_for(body(symptoms={"associated": [symptom]}), locale)["triage"]
    assert (by_word["level"], by_word["disposition"]) == (
        by_symptom["level"],
        by_symptom["disposition"],
    )
    assert [c["id"] for c in by_word["conditions"]] == [c["id"] for c in by_symptom["conditions"]]


def test_synonyms_are_plain_words_for_contract_symptoms() -> None:
    symptoms = {symptom.value for symptom in AssociatedSymptom}
    for locale, words in default_bundle().symptom_synonyms.items():
        assert 20 <= len(words) <= 60, locale
        for word, symptom in words.items():
            assert normalise_word(word) == word and word not in symptoms
            assert symptom in symptoms


# --- new words at their level -------------------------------------------------------------


@pytest.mark.parametrize(
    ("associated", "level", "condition"),
    [
        (["chest_tightness"], "urgent", "cardiac_warning"),
        (["chest_pain", "shortness_of_breath"], "urgent", "cardiac_warning"),
        (["shortness_of_breath", "palpitations"], "urgent", "cardiac_warning"),
        (["throat_swelling"], "urgent", "anaphylaxis"),
        (["hives", "vomiting"], "urgent", "anaphylaxis"),
        (["hives", "shortness_of_breath"], "urgent", "anaphylaxis"),
        (["slurred_speech"], "urgent", "stroke_warning"),
        (["facial_droop"], "urgent", "stroke_warning"),
        (["agitation", "fever"], "urgent", "serious_warning_sign"),
        (["muscle_rigidity", "high_body_temperature"], "urgent", "exertional_heat_illness"),
        (["shortness_of_breath"], "consult", None),
        (["wheeze"], "consult", None),
        (["hives"], "consult", None),
        (["muscle_rigidity"], "consult", None),
        (["agitation"], "consult", None),
        (["nausea"], "self_care", None),
        (["heavy_sweating"], "self_care", None),
    ],
)
def test_new_words_at_their_level(associated: list[str], level: str, condition: str | None) -> None:
    answer = answer_for(body(symptoms={"associated": associated}))
    assert answer["triage"]["level"] == level
    if condition is None:
        assert condition_ids(answer) == []
    else:
        assert condition in condition_ids(answer)


def test_an_unread_word_is_named_and_never_reassures() -> None:
    engine = default_engine()
    read = read_leniently(body(symptoms={"associated": ["zzgrumbly knees"]}), engine.synonyms("en"))
    assert read.context is not None and read.issues
    words = [issue.value or "" for issue in read.issues]
    answer = engine.assess_payload(
        read.context, locale="en", limit=5, assessment_id="t", unknown_words=words
    )
    headline = answer["triage"]["headline"]
    assert "zzgrumbly knees" in headline
    assert headline != default_bundle().triage_headlines["self_care"]["en"]
    assert "emergency number" in headline


# --- measured values ----------------------------------------------------------------------


def test_a_reading_below_35_is_hypothermia_anywhere() -> None:
    answer = answer_for(body(environment={"temperature_c": 5}, health={"body_temperature_c": 34.8}))
    assert answer["triage"]["disposition"] == "call_emergency_number"
    assert condition_ids(answer) == ["hypothermia"]


def test_confusion_after_cold_water_is_hypothermia() -> None:
    data = body(
        activity={"type": "swimming", "duration_min": 40},
        environment={"water_temperature_c": 13},
        symptoms={"associated": ["confusion"]},
    )
    assert "hypothermia" in condition_ids(answer_for(data))


@pytest.mark.parametrize(
    ("reading", "level", "disposition", "conditions"),
    [
        (38.2, "self_care", "self_care", []),  # normal after hard work in the heat
        (38.7, "consult", "see_clinician_today", ["exertional_heat_illness"]),
        (39.3, "urgent", "emergency_department", ["exertional_heat_illness"]),
        (40.4, "urgent", "call_emergency_number", ["exertional_heat_illness"]),
    ],
)
def test_a_high_reading_after_hot_exertion_is_heat_not_fever(
    reading: float, level: str, disposition: str, conditions: list[str]
) -> None:
    answer = answer_for(body(environment=HOT, health={"body_temperature_c": reading}))
    triage = answer["triage"]
    assert (triage["level"], triage["disposition"]) == (level, disposition)
    assert condition_ids(answer) == conditions
    assert "fever_measured" not in reasons(answer)
    assert "illness_or_fever" not in ranked(answer)


def test_a_high_reading_is_fever_when_an_illness_is_reported() -> None:
    answer = answer_for(
        body(environment=HOT, health={"body_temperature_c": 38.6, "recent_illness_days": 3})
    )
    assert answer["triage"]["level"] == "consult"
    assert "fever_measured" in reasons(answer)
    assert ranked(answer)[0] == "illness_or_fever"


def test_a_high_reading_in_cool_weather_is_fever_and_hides_training_tips() -> None:
    answer = answer_for(
        body(environment={"temperature_c": 15}, health={"body_temperature_c": 38.6})
    )
    assert "fever_measured" in reasons(answer)
    hidden = {tip.id for tip in default_bundle().tips if "fever_measured" in tip.hidden_by}
    assert hidden and not hidden & {tip["id"] for tip in answer["tips"]}


def test_reporting_a_fever_never_lowers_a_hot_high_reading() -> None:
    """The illness exception takes heat illness away, but never the urgency."""
    reading = body(environment=HOT, health={"body_temperature_c": 39.4})
    feverish = body(
        environment=HOT, health={"body_temperature_c": 39.4}, symptoms={"associated": ["fever"]}
    )
    assert answer_for(reading)["triage"]["level"] == "urgent"
    assert answer_for(feverish)["triage"]["level"] == "urgent"


@pytest.mark.parametrize(
    ("glucose", "associated", "disposition"),
    [
        (64, [], "see_clinician_today"),
        (48, [], "emergency_department"),
        (64, ["confusion"], "call_emergency_number"),
    ],
)
def test_glucose_lows_follow_the_usual_thresholds(
    glucose: float, associated: list[str], disposition: str
) -> None:
    answer = answer_for(
        body(health={"blood_glucose_mg_dl": glucose}, symptoms={"associated": associated})
    )
    assert answer["triage"]["disposition"] == disposition
    assert condition_ids(answer)[0] == "hypoglycaemia"
    assert "treat_a_low_now" in [tip["id"] for tip in answer["tips"]]
    hypoglycaemia = answer["triage"]["conditions"][0]
    assert any("hours later" in step for step in hypoglycaemia["first_aid"])


@pytest.mark.parametrize(
    ("health", "level", "conditions"),
    [
        ({"glucose_lowering_medication": True}, "consult", ["hypoglycaemia"]),
        ({"medications": ["insulin"]}, "consult", ["hypoglycaemia"]),
        ({"medications": ["insulin"], "blood_glucose_mg_dl": 130}, "self_care", []),
        ({}, "self_care", []),
    ],
    ids=["said", "named", "normal-reading", "no-medicine"],
)
def test_signs_of_a_low_on_glucose_lowering_medicine_are_a_low_until_measured(
    health: dict[str, Any], level: str, conditions: list[str]
) -> None:
    answer = answer_for(body(health=health, symptoms={"associated": ["heavy_sweating"]}))
    assert answer["triage"]["level"] == level
    assert condition_ids(answer) == conditions


@pytest.mark.parametrize(
    ("environment", "associated", "conditions"),
    [
        (HOT, ["dizziness"], ["exertional_heat_illness"]),
        (HOT, ["nausea", "heavy_sweating"], ["exertional_heat_illness"]),
        (HOT, ["nausea"], []),
        ({"temperature_c": 15}, ["dizziness"], []),
    ],
    ids=["dizzy-hot", "sick-sweaty-hot", "sick-hot", "dizzy-cool"],
)
def test_heat_exhaustion_signs_are_read_in_the_heat_only(
    environment: dict[str, Any], associated: list[str], conditions: list[str]
) -> None:
    answer = answer_for(body(environment=environment, symptoms={"associated": associated}))
    assert condition_ids(answer) == conditions


@pytest.mark.parametrize(
    "sections",
    [
        {"hydration": {"fluid_intake_ml": 5500}, "environment": {"temperature_c": 14}},
        {"hydration": {"body_mass_change_pct": 1.5}},
    ],
    ids=["surplus", "weight-gain"],
)
def test_a_collapse_after_overdrinking_is_low_sodium(sections: dict[str, Any]) -> None:
    data = body(symptoms={"associated": ["fainting"]}, **sections)
    data["activity"] = {"type": "running", "duration_min": 300, "intensity_rpe": 4}
    answer = answer_for(data)
    assert answer["triage"]["disposition"] == "call_emergency_number"
    assert "exercise_associated_hyponatraemia" in condition_ids(answer)


# --- medicines ------------------------------------------------------------------------------


def test_a_statin_with_severe_pain_after_a_descent_ranks_the_medicine() -> None:
    answer = answer_for(
        body(
            activity={"type": "hiking", "duration_min": 300, "elevation_loss_m": 1400},
            health={"medications": ["atorvastatin"]},
            symptoms={"associated": ["severe_muscle_pain"]},
        )
    )
    assert "medication_effect" in ranked(answer)[:3]
    assert condition_ids(answer) == ["exertional_rhabdomyolysis"]
    assert answer["triage"]["disposition"] == "see_clinician_today"


@pytest.mark.parametrize(
    "data",
    [
        body(environment=HOT, health={"medications": ["lithium"]}),
        body(
            activity={"type": "cycling", "duration_min": 120}, health={"medications": ["lithium"]}
        ),
    ],
    ids=["heat", "long-session"],
)
def test_lithium_in_the_heat_or_a_long_session_is_a_same_day_check(data: dict[str, Any]) -> None:
    answer = answer_for(data)
    assert answer["triage"]["disposition"] == "see_clinician_today"
    assert any("lithium" in r["message"] for r in answer["triage"]["reasons"])


def test_lithium_with_vomiting_is_urgent() -> None:
    answer = answer_for(
        body(health={"medications": ["lithium"]}, symptoms={"associated": ["vomiting"]})
    )
    assert answer["triage"]["level"] == "urgent"


@pytest.mark.parametrize(
    "stimulant",
    [{"intake": {"pre_workout_stimulant": True}}, {"extra_medicine": "methylphenidate"}],
    ids=["pre-workout", "stimulant-medicine"],
)
@pytest.mark.parametrize(
    "sign",
    [{"associated": ["agitation"]}, {"associated": ["fever"]}, {"body_temperature_c": 38.4}],
    ids=["agitation", "fever", "reading"],
)
def test_an_antidepressant_with_a_stimulant_and_a_sign_is_serotonin_toxicity(
    stimulant: dict[str, Any], sign: dict[str, Any]
) -> None:
    health: dict[str, Any] = {"medications": ["sertraline"]}
    if "extra_medicine" in stimulant:
        health["medications"].append(stimulant["extra_medicine"])
    data = body(health=health, intake=stimulant.get("intake", {}), symptoms={})
    if "body_temperature_c" in sign:
        health["body_temperature_c"] = sign["body_temperature_c"]
    else:
        data["symptoms"]["associated"] = sign["associated"]
    answer = answer_for(data)
    assert answer["triage"]["level"] == "urgent"
    assert "serotonin_toxicity" in condition_ids(answer)


def test_a_diuretic_in_the_heat_is_named_where_drinking_is_advised() -> None:
    answer = answer_for(body(environment=HOT, health={"medications": ["furosemide"]}))
    assert "dehydration" in ranked(answer)[:3]
    medicine = next(c for c in answer["causes"] if c["id"] == "medication_effect")
    assert any("diuretic" in item["message"] for item in medicine["evidence"])


def test_a_beta_blocker_with_insulin_is_a_reason_to_check_glucose() -> None:
    answer = answer_for(
        body(health={"medications": ["insulin", "bisoprolol"], "blood_glucose_mg_dl": 75})
    )
    low = next(c for c in answer["causes"] if c["id"] == "low_blood_sugar")
    assert any("beta-blocker" in item["message"] for item in low["evidence"])


# --- shaking that exercise does not explain --------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        ({"type": "running", "duration_min": 35, "intensity_rpe": 4}, ["persistent_tremor"]),
        ({"type": "running", "duration_min": 35, "intensity_rpe": 9}, []),
        ({"type": "running", "duration_min": 150, "intensity_rpe": 6}, []),
        (
            {
                "type": "strength_training",
                "duration_min": 60,
                "intensity_rpe": 7,
                "to_failure": True,
            },
            [],
        ),
        (
            {
                "type": "strength_training",
                "duration_min": 60,
                "intensity_rpe": 6,
                "load_pct_1rm": 85,
            },
            [],
        ),
    ],
    ids=["easy", "all-out", "very-long", "to-failure", "heavy"],
)
def test_recurrent_shaking_is_a_consult_only_when_exercise_does_not_explain_it(
    activity: dict[str, Any], expected: list[str]
) -> None:
    answer = answer_for({"activity": activity, "symptoms": {"recurrent": True}})
    assert condition_ids(answer) == expected
    assert answer["triage"]["level"] == ("consult" if expected else "self_care")


def test_a_tremor_at_rest_for_days_is_not_led_by_muscle_fatigue() -> None:
    answer = answer_for(
        body(athlete={"age_years": 67}, symptoms={"persisting_days": 10, "timing": "both"})
    )
    assert condition_ids(answer) == ["persistent_tremor"]
    assert ranked(answer)[0] not in {"muscle_fatigue", "neuromuscular_fatigue"}


@pytest.mark.parametrize(
    "context",
    [
        body(activity={"type": "strength_training", "duration_min": 50, "intensity_rpe": 8}),
        body(
            activity={"type": "cycling", "duration_min": 210, "intensity_rpe": 5},
            environment={"temperature_c": 12},
        ),
        body(
            activity={"type": "cycling", "duration_min": 45, "intensity_rpe": 8},
            training={"fitness_level": "beginner"},
            symptoms={"associated": ["heavy_sweating", "nausea"]},
        ),
    ],
    ids=["first-leg-day", "long-cool-ride", "beginner-spin-class"],
)
def test_benign_sessions_stay_self_care(context: dict[str, Any]) -> None:
    answer = answer_for(context)
    assert answer["triage"]["level"] == "self_care"
    assert condition_ids(answer) == []


# --- property: a suspected condition never comes with training advice or reassurance ------


@cache
def _engine() -> AssessmentEngine:
    return default_engine()


symptom_lists = st.lists(st.sampled_from([s.value for s in AssociatedSymptom]), unique=True)


@given(contexts, symptom_lists, st.sampled_from(LOCALES))
@settings(max_examples=150, deadline=None)
def test_a_suspected_condition_never_shows_training_tips_or_a_self_care_headline(
    ctx: WorkoutContext, associated: list[str], locale: str
) -> None:
    ctx = ctx.model_copy(
        update={"symptoms": ctx.symptoms.model_copy(update={"associated": associated})}
    )
    engine = _engine()
    answer = engine.assess_payload(ctx, locale=locale, limit=5, assessment_id="t")
    triage = answer["triage"]
    if not triage["conditions"]:
        return
    care = {tip.id for tip in engine.bundle.tips if tip.care}
    assert {tip["id"] for tip in answer["tips"]} <= care
    assert triage["disposition"] != "self_care"
    assert triage["headline"] != engine.bundle.triage_headlines["self_care"][locale]
    assert triage["headline"].startswith(triage["conditions"][0]["title"])
