"""Ranking, evidence, confidence, tips and follow-up questions of the evaluation."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from app.rules.bundle import Bundle
from app.rules.versions import AssessmentEngine
from tests.rules import reference, reference_answer
from tests.rules.helpers import assess, context, evaluate

HOT_RIDE = {
    "activity": {"type": "cycling", "duration_min": 180, "intensity_rpe": 6},
    "environment": {"temperature_c": 34, "humidity_pct": 55},
    "hydration": {"fluid_intake_ml": 300, "body_mass_change_pct": -3.5},
}


def test_ranking_follows_the_evidence(engine: AssessmentEngine) -> None:
    evaluation = evaluate(engine, context(**HOT_RIDE))
    assert evaluation.ranked[0] == "dehydration"
    logits = [evaluation.logits[cause_id] for cause_id in evaluation.ranked]
    assert logits == sorted(logits, reverse=True)


def test_ties_keep_bundle_order(bundle: Bundle) -> None:
    flat_rules = [
        {"cause": cause.id, "prior": 0.0, "signals": []} for cause in reversed(bundle.causes)
    ]
    data = {**bundle.model_dump(mode="json"), "rules": flat_rules}
    engine = AssessmentEngine(Bundle.model_validate(data), version=1)
    evaluation = evaluate(engine, context())
    assert list(evaluation.ranked) == [cause.id for cause in bundle.causes]
    assert list(engine.evaluate(context()).ranked) == list(evaluation.ranked)
    assert all(reference_answer.sigmoid(logit) == 0.5 for logit in evaluation.logits.values())


def test_ties_rank_the_more_common_cause_first(bundle: Bundle) -> None:
    """Equal scores are ordered by base rate, never by file order; causes without a base
    rate come last, in bundle order."""
    ids = [cause.id for cause in bundle.causes]
    rated = ids[:-2]  # reversed base rates: the last of these is the most common
    flat_rules = [
        {"cause": cause_id, "prior": 0.0, "signals": [], "base_rate": (n + 1) / 100}
        for n, cause_id in enumerate(rated)
    ] + [{"cause": cause_id, "prior": 0.0, "signals": []} for cause_id in ids[-2:]]
    data = {**bundle.model_dump(mode="json"), "rules": flat_rules}
    expected = [*reversed(rated), *ids[-2:]]
    engine = AssessmentEngine(Bundle.model_validate(data), version=1)
    assert list(evaluate(engine, context()).ranked) == expected
    assert list(engine.evaluate(context()).ranked) == expected


def test_with_minimal_input_the_default_content_ranks_by_base_rate(
    engine: AssessmentEngine,
) -> None:
    """Nothing spoke for any cause but the first: the rest follow how common they are."""
    rates = {cause.id: cause.base_rate for cause in engine.ruleset.causes}
    assert all(rate is not None for rate in rates.values()), "every default cause has one"
    evaluation = engine.evaluate(context())
    lowest = min(evaluation.logits[cause_id] for cause_id in evaluation.ranked)
    tied = [cause_id for cause_id in evaluation.ranked if evaluation.logits[cause_id] == lowest]
    assert len(tied) >= 2
    assert [rates[c] for c in tied] == sorted((rates[c] for c in tied), reverse=True)


def test_evidence_lists_fired_signals_strongest_first(engine: AssessmentEngine) -> None:
    answer = assess(engine, context(**HOT_RIDE), locale="en", assessment_id="e")
    dehydration = answer.causes[0]
    assert dehydration.id == "dehydration"
    fields = [item.field for item in dehydration.evidence]
    assert "hydration.body_mass_change_pct" in fields
    assert "environment.temperature_c" in fields
    weights = [abs(item.weight) for item in dehydration.evidence]
    assert weights == sorted(weights, reverse=True)
    mass = next(i for i in dehydration.evidence if i.field == "hydration.body_mass_change_pct")
    assert mass.value == -3.5 and mass.effect == "raises" and mass.weight == 2.0
    temperature = next(i for i in dehydration.evidence if i.field == "environment.temperature_c")
    assert temperature.value == 34  # the context's own value, not the derived heat index
    assert all(item.message for item in dehydration.evidence)


def test_protective_facts_lower_a_cause(engine: AssessmentEngine) -> None:
    warm = {"type": "running", "duration_min": 40, "intensity_rpe": 8}
    answer = assess(
        engine,
        context(activity=warm, preparation={"warmup_min": 15}),
        locale="en",
        limit=8,
        assessment_id="p",
    )
    warmup = next(cause for cause in answer.causes if cause.id == "insufficient_warmup")
    assert [item.effect for item in warmup.evidence] == ["lowers"]
    assert warmup.evidence[0].weight < 0


def test_enum_and_list_values_are_shown_plainly(engine: AssessmentEngine) -> None:
    ctx = context(
        training={"fitness_level": "beginner"},
        symptoms={"body_parts": ["quadriceps"], "cramps": True},
    )
    answer = assess(engine, ctx, locale="en", limit=8, assessment_id="v")
    values = {item.field: item.value for cause in answer.causes for item in cause.evidence}
    assert values["training.fitness_level"] == "beginner"
    assert type(values["training.fitness_level"]) is str
    assert values["symptoms.body_parts"] == ["quadriceps"]
    assert values["symptoms.cramps"] is True


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({}, "low"),
        (
            {
                "environment": {"temperature_c": 30, "humidity_pct": 40},
                "hydration": {"fluid_intake_ml": 500},
            },
            "medium",
        ),
        (HOT_RIDE, "high"),
    ],
)
def test_confidence_grows_with_what_was_provided(
    engine: AssessmentEngine, sections: dict[str, Any], expected: str
) -> None:
    answer = assess(engine, context(**sections), locale="en", limit=50, assessment_id="c")
    dehydration = next(cause for cause in answer.causes if cause.id == "dehydration")
    assert dehydration.confidence == expected


def test_tips_serve_the_top_causes(engine: AssessmentEngine) -> None:
    plan = reference.plan_of(engine)
    evaluation = evaluate(engine, context(**HOT_RIDE))
    tips = reference_answer.rank_tips(plan, evaluation.ranked, evaluation.logits, set())[:5]
    assert 0 < len(tips) <= 5
    addresses = {tip["id"]: set(tip["addresses"]) for tip in plan["tips"]}
    top3 = set(evaluation.ranked[:3])
    assert all(addresses[tip] & top3 for tip, _ in tips)
    relevance = [value for _, value in tips]
    assert relevance == sorted(relevance, reverse=True)
    assert "dehydration" in addresses[tips[0][0]]
    assert len({tip for tip, _ in tips}) == len(tips)
    shown = assess(engine, context(**HOT_RIDE), locale="en", assessment_id="t").tips
    assert [tip.id for tip in shown] == reference_answer.shown_tips(plan, evaluation)


def test_tip_ties_keep_bundle_order(engine: AssessmentEngine) -> None:
    evaluation = evaluate(engine, context())
    tips = reference_answer.rank_tips(
        reference.plan_of(engine), evaluation.ranked, evaluation.logits, set()
    )
    order = [tip.id for tip in engine.ruleset.tips]
    for (first, first_relevance), (second, second_relevance) in itertools.pairwise(tips):
        if first_relevance == second_relevance:
            assert order.index(first) < order.index(second)


def test_follow_up_questions_ask_for_what_matters_most(engine: AssessmentEngine) -> None:
    evaluation = evaluate(engine, context())
    fields = reference_answer.follow_ups(reference.plan_of(engine), evaluation, 3)
    assert len(fields) == 3
    assert all(field not in evaluation.values for field in fields)
    assert all(field in engine.ruleset.question_fields for field in fields)


def test_follow_up_questions_skip_answered_fields(engine: AssessmentEngine) -> None:
    evaluation = evaluate(engine, context(**HOT_RIDE))
    fields = reference_answer.follow_ups(reference.plan_of(engine), evaluation, 5)
    assert not {"environment.temperature_c", "hydration.fluid_intake_ml"} & set(fields)


def test_every_input_the_rules_read_has_a_question(engine: AssessmentEngine) -> None:
    read = {field for cause in engine.ruleset.causes for field in cause.input_fields}
    always_present = {"activity.type", "activity.duration_min"}
    assert read - always_present <= set(engine.ruleset.question_fields)


def test_sparse_context_still_gets_a_useful_answer(engine: AssessmentEngine) -> None:
    answer = assess(engine, context(), locale="en", assessment_id="s")
    assert answer.causes[0].id == "muscle_fatigue"
    assert answer.causes[0].confidence == "low"
    assert answer.tips
    assert answer.follow_up_questions
