"""Locales of the engine: Spanish is complete and ranks exactly like English; a partial locale
falls back per item and the answer says which items did."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.content.validation import _texts, check_bundle
from app.rules.bundle import Bundle, GoldenCase, GoldenExpectation
from app.rules.golden import golden_context
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from tests.rules import reference, reference_answer
from tests.rules.helpers import default_bundle
from tests.rules.test_golden import public_cases

GOLDEN = default_bundle().golden_cases


def decisions(payload: dict[str, Any]) -> dict[str, Any]:
    """Everything of an answer that does not depend on the language."""
    return {
        "triage": (
            payload["triage"]["level"],
            payload["triage"]["disposition"],
            [r["code"] for r in payload["triage"]["reasons"]],
            [c["id"] for c in payload["triage"]["conditions"]],
        ),
        "causes": [
            (
                c["id"],
                c["rank"],
                c["score"],
                c["confidence"],
                [(e["field"], e["value"], e["effect"], e["weight"]) for e in c["evidence"]],
            )
            for c in payload["causes"]
        ],
        "tips": [(t["id"], t["rank"], t["addresses"]) for t in payload["tips"]],
        "questions": [q["field"] for q in payload["follow_up_questions"]],
        "context": payload["normalized_context"],
        "warnings": [(w["field"], w["code"]) for w in payload["warnings"]],
    }


def texts(payload: dict[str, Any]) -> list[str]:
    """Every text of an answer shown to the user."""
    found = [payload["triage"]["headline"], payload["disclaimer"]]
    found += [r["message"] for r in payload["triage"]["reasons"]]
    for condition in payload["triage"]["conditions"]:
        found += [condition["title"], condition["summary"]]
        found += condition["first_aid"] + condition["avoid"]
    for cause in payload["causes"]:
        found += [cause["title"], cause["summary"], cause["explanation"]]
        found += [e["message"] for e in cause["evidence"]]
    found += [t["title"] for t in payload["tips"]] + [t["body"] for t in payload["tips"]]
    found += [q["question"] for q in payload["follow_up_questions"]]
    return found + [w["message"] for w in payload["warnings"]]


def assess(engine: AssessmentEngine, context: dict[str, Any], locale: str) -> dict[str, Any]:
    """The answer to a context read as a request is (symptom words through the synonyms)."""
    ctx = golden_context(
        GoldenCase(id="l", context=context, expect=GoldenExpectation()), engine.synonyms(locale)
    )
    assert isinstance(ctx, WorkoutContext), ctx
    return engine.assess_payload(ctx, locale=locale, limit=8, assessment_id="l")


def test_spanish_is_a_complete_locale_of_the_default_content(bundle: Bundle) -> None:
    assert bundle.locales == ["en", "es"] and bundle.partial_locales == []
    missing = [path for path, text in _texts(bundle) if "es" not in text]
    assert not missing
    assert check_bundle(bundle) == []


def test_every_public_vignette_ranks_the_same_in_spanish_and_english(
    engine: AssessmentEngine,
) -> None:
    cases = public_cases()
    assert cases
    for case in cases:
        english = assess(engine, case["context"], "en")
        spanish = assess(engine, case["context"], "es")
        assert decisions(spanish) == decisions(english), case["id"]
        assert spanish["locale"] == "es" and spanish["fallback_items"] == []
        # Really Spanish: no text of the answer is the English one.
        assert not set(texts(spanish)) & set(texts(english)), case["id"]


@pytest.mark.parametrize("case", GOLDEN, ids=[case.id for case in GOLDEN])
def test_every_golden_case_ranks_the_same_in_spanish(engine: AssessmentEngine, case: Any) -> None:
    english = assess(engine, case.context, "en")
    spanish = assess(engine, case.context, "es")
    assert decisions(spanish) == decisions(english)
    assert spanish["fallback_items"] == []


def test_every_evidence_message_and_question_can_be_shown_in_spanish(bundle: Bundle) -> None:
    engine = AssessmentEngine(bundle, 1)
    spanish, english = engine.texts["es"], engine.texts["en"]
    assert spanish.fallbacks == frozenset()
    for key, message in spanish.signals.items():
        assert message != english.signals[key], key
    for key, question in spanish.questions.items():
        assert question.startswith("¿") or "¿" in question, key
        assert question.endswith("?"), key


# Terms the Spanish content settled on; a variant would read as a different thing.
PREFERRED_TERMS = {
    r"\bhidratos de carbono\b": "carbohidratos",
    r"\bgemelos\b": "pantorrillas",
    r"\benfriamiento\b": "vuelta a la calma",
    r"\bcardíaca\b": "cardiaca (both are correct; the content uses this one)",
    r"\busted\b": "tú",
}


def test_spanish_terminology_is_consistent(bundle: Bundle) -> None:
    found = []
    for path, text in _texts(bundle):
        spanish = text["es"]
        words = (
            spanish
            if isinstance(spanish, str)
            else " ".join(map(str, spanish.model_dump().values()))
        )
        for pattern, preferred in PREFERRED_TERMS.items():
            if re.search(pattern, words, flags=re.IGNORECASE):
                found.append(f"{path}: use {preferred}")
    assert not found


# --- a partial locale ------------------------------------------------------------------------


def french(bundle: Bundle) -> Bundle:
    """The default bundle with French as a partial locale that translates one cause only."""
    data: dict[str, Any] = bundle.model_dump(mode="json")
    data["partial_locales"] = ["fr"]
    for cause in data["causes"]:
        if cause["id"] == "dehydration":
            cause["text"]["fr"] = {
                "title": "Déshydratation",
                "summary": "Vous avez perdu plus de liquide que vous n'en avez bu.",
                "explanation": "Moins de liquide, c'est moins de sang pour refroidir le corps.",
                "typical_situations": ["Une longue sortie par temps chaud"],
            }
    return Bundle.model_validate(data)


HOT_RUN = {
    "activity": {"type": "running", "duration_min": 100, "intensity_rpe": 7},
    "environment": {"temperature_c": 33, "humidity_pct": 60},
    "hydration": {"fluid_intake_ml": 200},
    "symptoms": {"associated": ["vomiting"]},
}


def test_a_partial_locale_is_valid_and_falls_back_per_item(bundle: Bundle) -> None:
    partial = french(bundle)
    assert check_bundle(partial) == []
    engine = AssessmentEngine(partial, 2)
    answer = assess(engine, HOT_RUN, "fr")
    english = assess(engine, HOT_RUN, "en")
    assert answer["locale"] == "fr"
    assert decisions(answer) == decisions(english)
    by_id = {cause["id"]: cause for cause in answer["causes"]}
    assert by_id["dehydration"]["title"] == "Déshydratation"
    assert by_id["muscle_fatigue"]["title"] == bundle.causes[0].text["en"].title
    items = answer["fallback_items"]
    assert "causes:dehydration" not in items
    triage = answer["triage"]
    assert triage["conditions"]  # vomiting in the heat: a condition's headline falls back too
    expected = [f"disposition_headlines:{triage['disposition']}"]
    expected += [f"conditions:{condition['id']}" for condition in triage["conditions"]]
    expected += [f"red_flags:{reason['code']}" for reason in triage["reasons"]]
    for cause in answer["causes"]:
        if cause["id"] != "dehydration":
            expected.append(f"causes:{cause['id']}")
        expected += [f"signals:{cause['id']}.{s}" for s in _signals_fired(engine, cause["id"])]
    expected += [f"tips:{tip['id']}" for tip in answer["tips"]]
    expected += [f"questions:{q['field']}" for q in answer["follow_up_questions"]]
    assert set(items) == {*expected, "disclaimer"}
    assert items[0].startswith("disposition_headlines:") and items[-1] == "disclaimer"
    assert len(items) == len(set(items))
    # English and Spanish answers of the same version have nothing to declare.
    assert english["fallback_items"] == [] and assess(engine, HOT_RUN, "es")["fallback_items"] == []


def _signals_fired(engine: AssessmentEngine, cause_id: str) -> list[str]:
    """The signals whose evidence the answer shows (a contribution that rounds to 0 is not)."""
    plan = reference.plan_of(engine)
    evaluation = reference.evaluate(plan, reference.flatten(WorkoutContext.model_validate(HOT_RUN)))
    return [signal for signal, _ in reference_answer.evidence(plan, evaluation, cause_id)]


def test_a_locale_must_be_declared_and_complete_unless_partial(bundle: Bundle) -> None:
    data = french(bundle).model_dump(mode="json")
    data["partial_locales"] = []
    undeclared = check_bundle(Bundle.model_validate(data))
    assert [p.path for p in undeclared] == ["causes.2.text.fr"]
    assert "not declared" in undeclared[0].message
    data["locales"] = ["en", "es", "fr"]
    incomplete = check_bundle(Bundle.model_validate(data))
    assert len(incomplete) == len(list(_texts(bundle))) - 1  # every text but the one cause
    assert all(p.path.endswith(".fr") and "partial_locales" in p.message for p in incomplete)
