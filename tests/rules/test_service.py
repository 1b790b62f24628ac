"""The assessment engine object: contract shape, locales, limit and pre-rendered texts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.rules.bundle import Bundle
from app.rules.schemas import AssessmentResponse
from app.rules.versions import AssessmentEngine
from tests.rules.helpers import assess, context

CONTRACT_KEYS = {
    "assessment_id",
    "content_version",
    "locale",
    "triage",
    "causes",
    "tips",
    "follow_up_questions",
    "disclaimer",
}
# additions to the contract
ADDED_KEYS = {"kind", "normalized_context", "warnings", "fallback_items"}


def test_answer_has_exactly_the_contract_shape(engine: AssessmentEngine) -> None:
    ctx = context(symptoms={"associated": ["numbness"]})
    answer = assess(engine, ctx, locale="en", limit=5, assessment_id="abc")
    data = json.loads(answer.model_dump_json())
    assert set(data) == CONTRACT_KEYS | ADDED_KEYS
    assert data["normalized_context"] == {
        "activity": {"type": "running", "duration_min": 30},
        "symptoms": {"associated": ["numbness"]},
    }
    assert data["warnings"] == [] and data["fallback_items"] == []
    assert data["assessment_id"] == "abc" and data["content_version"] == 1
    assert data["locale"] == "en"
    assert set(data["triage"]) == {"level", "disposition", "headline", "reasons", "conditions"}
    assert data["triage"]["reasons"][0].keys() == {"code", "message"}
    assert len(data["causes"]) == 5
    cause = data["causes"][0]
    assert set(cause) == {
        "id",
        "rank",
        "score",
        "confidence",
        "title",
        "summary",
        "explanation",
        "evidence",
        "counterfactuals",
    }
    assert [c["rank"] for c in data["causes"]] == [1, 2, 3, 4, 5]
    for item in (e for c in data["causes"] for e in c["evidence"]):
        assert set(item) == {"field", "value", "display_value", "effect", "weight", "message"}
    assert set(data["tips"][0]) == {"id", "rank", "title", "body", "addresses", "actions"}
    assert set(data["follow_up_questions"][0]) == {"field", "question"}
    assert data["disclaimer"]
    AssessmentResponse.model_validate(data)  # round-trips through its own schema


@pytest.mark.parametrize("limit", [1, 3, 8, 50])
def test_limit_caps_the_causes(engine: AssessmentEngine, limit: int) -> None:
    answer = assess(engine, context(), locale="en", limit=limit, assessment_id="l")
    # a minimal context raises none of the causes that require evidence: they stay out
    ungated = [cause for cause in engine.ruleset.causes if not cause.requires_evidence]
    assert len(answer.causes) == min(limit, len(ungated))


@pytest.mark.parametrize("limit", [0, 51])
def test_limit_out_of_range_is_a_programming_error(engine: AssessmentEngine, limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        assess(engine, context(), locale="en", limit=limit, assessment_id="l")


def test_texts_come_from_the_bundle(engine: AssessmentEngine, bundle: Bundle) -> None:
    answer = assess(engine, context(), locale="en", assessment_id="t")
    cause = answer.causes[0]
    source = next(c for c in bundle.causes if c.id == cause.id).text["en"]
    assert (cause.title, cause.summary, cause.explanation) == (
        source.title,
        source.summary,
        source.explanation,
    )
    assert answer.triage.headline == bundle.triage_headlines["self_care"]["en"]
    assert answer.disclaimer == bundle.disclaimer["en"]


def german(bundle: Bundle) -> Bundle:
    """The bundle with German as a partial locale: one cause title, one tip, the disclaimer."""
    data: dict[str, Any] = bundle.model_dump(mode="json")
    data["partial_locales"] = ["de"]
    data["causes"][0]["text"]["de"] = {
        **data["causes"][0]["text"]["en"],
        "title": "Muskelermüdung",
    }
    data["disclaimer"]["de"] = "Keine medizinische Beratung."
    return Bundle.model_validate(data)


def test_missing_translations_fall_back_per_item(bundle: Bundle) -> None:
    engine = AssessmentEngine(german(bundle), 2)
    answer = assess(engine, context(), locale="de", limit=8, assessment_id="de")
    assert answer.locale == "de"
    assert answer.content_version == 2
    titles = {cause.id: cause.title for cause in answer.causes}
    assert titles[bundle.causes[0].id] == "Muskelermüdung"
    assert titles[bundle.causes[1].id] == bundle.causes[1].text["en"].title
    assert answer.disclaimer == "Keine medizinische Beratung."
    assert answer.triage.headline == bundle.triage_headlines["self_care"]["en"]
    # The answer says which of its texts are English: all but the title and disclaimer.
    first = bundle.causes[0].id
    assert (
        f"causes:{first}" not in answer.fallback_items and "disclaimer" not in answer.fallback_items
    )
    assert f"causes:{bundle.causes[1].id}" in answer.fallback_items
    assert answer.fallback_items[0] == "triage_headlines:self_care"
    assert {f"tips:{tip.id}" for tip in answer.tips} <= set(answer.fallback_items)


def test_an_unknown_locale_gets_the_default(engine: AssessmentEngine) -> None:
    answer = assess(engine, context(), locale="fr", assessment_id="fr")
    assert answer.locale == "en"
    assert answer.causes[0].title


def test_texts_are_rendered_once_per_locale(bundle: Bundle) -> None:
    engine = AssessmentEngine(german(bundle), 2)
    assert set(engine.texts) == {"en", "es", "de"}
    assert engine.texts["de"].disclaimer == "Keine medizinische Beratung."


def test_answers_do_not_depend_on_earlier_requests(engine: AssessmentEngine) -> None:
    ctx = context(environment={"temperature_c": 30}, symptoms={"cramps": True})
    first = assess(engine, ctx, locale="en", assessment_id="a")
    assess(engine, context(symptoms={"associated": ["chest_pain"]}), locale="en", assessment_id="b")
    assert assess(engine, ctx, locale="en", assessment_id="a") == first


def test_display_value_spells_the_value(engine: AssessmentEngine) -> None:
    """`display_value` is `value` as a string, so typed clients need not decode any-JSON."""
    ctx = context(
        environment={"temperature_c": 34.0},
        hydration={"fluid_intake_ml": 300, "body_mass_change_pct": -2.456},
        training={"fitness_level": "beginner"},
        preparation={"warmup_min": 0},
        symptoms={"body_parts": ["quadriceps", "calves"], "cramps": True},
    )
    answer = assess(engine, ctx, locale="en", limit=8, assessment_id="d")
    data = json.loads(answer.model_dump_json())
    items = [e for c in data["causes"] for e in c["evidence"]]
    assert items
    for item in items:
        value = item["value"]
        if isinstance(value, bool):
            expected = "true" if value else "false"
        elif isinstance(value, list):
            expected = ", ".join(value)
        else:
            expected = "" if value is None else str(value)
        assert item["display_value"] == expected, item
    shown = {item["field"]: item["display_value"] for item in items}
    assert shown.get("environment.temperature_c") == "34"
    assert shown.get("symptoms.body_parts", "quadriceps, calves") == "quadriceps, calves"
