"""Properties over random valid contexts: no crash, sane output, determinism, and monotone
physiology (more heat or less fluid never lowers dehydration, and so on)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.workout.context import WorkoutContext
from tests.rules.helpers import assess, contexts, default_engine, evaluate

SETTINGS = settings(max_examples=150, deadline=None)
temperatures = st.floats(-40, 60, allow_nan=False)
humidities = st.floats(0, 100, allow_nan=False)
fluids = st.floats(0, 20000, allow_nan=False)
durations = st.floats(1, 1440, allow_nan=False)
warmups = st.floats(0, 240, allow_nan=False)


def with_value(ctx: WorkoutContext, section: str, **values: Any) -> WorkoutContext:
    """The context with some fields of one section replaced (values within schema bounds)."""
    updated = getattr(ctx, section).model_copy(update=values)
    return ctx.model_copy(update={section: updated})


def cause_logit(ctx: WorkoutContext, cause_id: str) -> float:
    return evaluate(default_engine(), ctx).logits[cause_id]


@given(contexts)
@SETTINGS
def test_any_valid_context_gets_a_well_formed_answer(ctx: WorkoutContext) -> None:
    engine = default_engine()
    answer = assess(engine, ctx, locale="en", limit=50, assessment_id="p")
    assert sorted(cause.rank for cause in answer.causes) == list(range(1, len(answer.causes) + 1))
    # every cause, but those that require evidence and got none
    assert len(answer.causes) == len(engine.evaluate(ctx).ranked)
    assert all(0.0 <= cause.score <= 1.0 for cause in answer.causes)
    # best first, but a cause that contradicts a suspected condition goes behind the others
    demoted = {
        engine.ruleset.causes[index].id
        for condition in engine.ruleset.conditions
        if condition.id in {item.id for item in answer.triage.conditions}
        for index in condition.demotes
    }
    for group in (False, True):
        scores = [cause.score for cause in answer.causes if (cause.id in demoted) is group]
        assert scores == sorted(scores, reverse=True)
    for cause in answer.causes:
        weights = [abs(item.weight) for item in cause.evidence]
        assert weights == sorted(weights, reverse=True)
        assert all((item.weight > 0) == (item.effect == "raises") for item in cause.evidence)
    assert [tip.rank for tip in answer.tips] == list(range(1, len(answer.tips) + 1))
    assert len(answer.follow_up_questions) <= 3
    assert answer.triage.level in ("self_care", "consult", "urgent")


@given(contexts)
@SETTINGS
def test_same_context_same_answer(ctx: WorkoutContext) -> None:
    engine = default_engine()
    first = assess(engine, ctx, locale="en", limit=8, assessment_id="same")
    again = assess(
        engine,
        WorkoutContext.model_validate(ctx.model_dump()),
        locale="en",
        limit=8,
        assessment_id="same",
    )
    assert first == again


@given(contexts, temperatures, temperatures)
@SETTINGS
def test_more_heat_never_lowers_dehydration(ctx: WorkoutContext, t1: float, t2: float) -> None:
    cooler, hotter = sorted((t1, t2))
    assert cause_logit(with_value(ctx, "environment", temperature_c=cooler), "dehydration") <= (
        cause_logit(with_value(ctx, "environment", temperature_c=hotter), "dehydration") + 1e-9
    )


@given(contexts, temperatures, humidities, humidities)
@SETTINGS
def test_more_humidity_never_lowers_dehydration(
    ctx: WorkoutContext, temperature: float, h1: float, h2: float
) -> None:
    drier, wetter = sorted((h1, h2))
    ctx = with_value(ctx, "environment", temperature_c=temperature)
    assert cause_logit(with_value(ctx, "environment", humidity_pct=drier), "dehydration") <= (
        cause_logit(with_value(ctx, "environment", humidity_pct=wetter), "dehydration") + 1e-9
    )


@given(contexts, fluids, fluids)
@SETTINGS
def test_less_fluid_never_lowers_dehydration(ctx: WorkoutContext, f1: float, f2: float) -> None:
    less, more = sorted((f1, f2))
    assert cause_logit(with_value(ctx, "hydration", fluid_intake_ml=less), "dehydration") >= (
        cause_logit(with_value(ctx, "hydration", fluid_intake_ml=more), "dehydration") - 1e-9
    )


@given(contexts, durations, durations)
@SETTINGS
def test_longer_sessions_never_lower_muscle_fatigue(
    ctx: WorkoutContext, d1: float, d2: float
) -> None:
    shorter, longer = sorted((d1, d2))
    assert cause_logit(with_value(ctx, "activity", duration_min=shorter), "muscle_fatigue") <= (
        cause_logit(with_value(ctx, "activity", duration_min=longer), "muscle_fatigue") + 1e-9
    )


@given(contexts, warmups, warmups)
@SETTINGS
def test_longer_warmups_never_raise_insufficient_warmup(
    ctx: WorkoutContext, w1: float, w2: float
) -> None:
    shorter, longer = sorted((w1, w2))
    cause = "insufficient_warmup"
    assert cause_logit(with_value(ctx, "preparation", warmup_min=shorter), cause) >= (
        cause_logit(with_value(ctx, "preparation", warmup_min=longer), cause) - 1e-9
    )


@given(contexts)
@SETTINGS
def test_electrolytes_taken_never_raise_electrolyte_imbalance(ctx: WorkoutContext) -> None:
    cause = "electrolyte_imbalance"
    assert cause_logit(with_value(ctx, "hydration", electrolytes_taken=True), cause) <= (
        cause_logit(with_value(ctx, "hydration", electrolytes_taken=False), cause)
    )


@given(contexts)
@SETTINGS
def test_a_suspected_condition_shows_no_training_tip_and_no_reassurance(
    ctx: WorkoutContext,
) -> None:
    engine = default_engine()
    care = {tip.id for tip in engine.ruleset.tips if tip.care}
    self_care_headlines = {
        texts.headlines["self_care"] for texts in engine.texts.values() if texts.headlines
    }
    for locale in engine.builders:
        answer = assess(engine, ctx, locale=locale, limit=5, assessment_id="p")
        triage = answer.triage
        if not triage.conditions:
            continue
        assert triage.level != "self_care"
        assert triage.headline not in self_care_headlines
        assert {tip.id for tip in answer.tips} <= care
        assert len(answer.tips) <= 2
        first = triage.conditions[0]
        assert first.first_aid[0] in triage.headline
        assert answer.follow_up_questions == []
