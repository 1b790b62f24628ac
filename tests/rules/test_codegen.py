"""The generated code (scorer and red flags, context reader, answer builders) answers exactly as
the reference does: the closures, the loop over the schema, the step-by-step answer."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules.bundle import Bundle
from app.rules.codegen import condition_key
from app.rules.compiler import _compile_conditions
from app.rules.engine import evaluate, evaluate_reference, read_context
from app.rules.plausibility import find_implausible
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from bench.contexts import varied
from bench.engine_bench import scaled
from tests.rules.helpers import contexts, default_bundle, default_engine

ENGINE: AssessmentEngine = default_engine()


def summary(engine: AssessmentEngine, ctx: WorkoutContext, reference: bool) -> object:
    result = (evaluate_reference if reference else evaluate)(engine.ruleset, ctx)
    return (
        result.level,
        [flag.id for flag in result.red_flags],
        [(item.cause.id, item.logit, item.fired) for item in result.ranked],
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_generated_code_matches_the_reference_bit_for_bit(ctx: WorkoutContext) -> None:
    assert summary(ENGINE, ctx, reference=False) == summary(ENGINE, ctx, reference=True)


def test_the_generated_source_holds_no_content_text() -> None:
    """Values are bound as constants: editor-written strings never become code."""
    code = ENGINE.ruleset.evaluate_context.__code__
    names = code.co_names + code.co_varnames
    assert all(name.isidentifier() for name in names)
    assert not any(" " in str(const) for const in code.co_consts if isinstance(const, str))


LOCALES = tuple(ENGINE.builders)
CONDITIONS = [
    condition
    for item in [*ENGINE.ruleset.causes, *ENGINE.ruleset.red_flags]
    for signal in getattr(item, "signals", [item])
    for condition in signal.conditions
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts, limit=st.sampled_from([1, 3, 5, 8, 50]))
def test_the_answer_builders_answer_as_the_reference_does(ctx: WorkoutContext, limit: int) -> None:
    """Byte for byte: same causes, scores, evidence, tips, questions, warnings, key order."""
    for locale in LOCALES:
        fast = ENGINE.assess_payload(ctx, locale=locale, limit=limit, assessment_id="a")
        slow = ENGINE.reference_payload(ctx, locale=locale, limit=limit, assessment_id="a")
        assert orjson.dumps(fast) == orjson.dumps(slow)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_the_one_pass_evaluator_does_what_the_steps_do(ctx: WorkoutContext) -> None:
    """Reading the context, scoring, red flags and plausibility checks fused into one
    generated function give what the separate steps give."""
    values, given_fields = read_context(ctx)
    fused = ENGINE.ruleset.evaluate_context(ctx)
    assert fused[:2] == (values, given_fields)
    assert list(fused[1]) == list(given_fields)  # the same section order
    reference = evaluate_reference(ENGINE.ruleset, ctx)
    ids = [cause.id for cause in ENGINE.ruleset.causes]
    assert dict(zip(ids, fused[2], strict=True)) == {
        item.cause.id: item.logit for item in reference.ranked
    }
    assert tuple(fused[4]) == reference.red_flags
    for condition in CONDITIONS:  # each condition's result, as its reference closure says
        closure = _compile_conditions([condition], "when", [])
        assert closure is not None
        result = fused[3][ENGINE.ruleset.condition_index[condition_key(condition)]]
        assert float(result) == closure(values)
    assert fused[5] == find_implausible(values)
    bits = ENGINE.ruleset.input_bits
    assert fused[6] == sum(bit for path, bit in bits.items() if path in values)


def test_a_ruleset_ten_times_larger_answers_as_the_reference_does() -> None:
    """Many causes sharing conditions: the writers still read the right results."""
    engine = AssessmentEngine(scaled(default_bundle(), 10), 1)
    for data in varied(20):
        ctx = WorkoutContext.model_validate(data)
        for limit in (5, 50):
            fast = engine.assess_payload(ctx, locale="en", limit=limit, assessment_id="a")
            slow = engine.reference_payload(ctx, locale="en", limit=limit, assessment_id="a")
            assert orjson.dumps(fast) == orjson.dumps(slow)


def test_a_partial_locale_is_answered_by_the_reference_path() -> None:
    """Its answers must list the texts that fell back, which only the reference path does."""
    data = default_bundle().model_dump(mode="json")
    data["partial_locales"] = ["fr"]
    data["causes"][0]["text"]["fr"] = {
        key: f"{value} (fr)" if isinstance(value, str) else value
        for key, value in data["causes"][0]["text"]["en"].items()
    }
    engine = AssessmentEngine(Bundle.model_validate(data), 1)
    assert "fr" in engine.texts and "fr" not in engine.builders
    ctx = WorkoutContext.model_validate(varied(1)[0])
    answer = engine.assess_payload(ctx, locale="fr", assessment_id="a")
    assert answer == engine.reference_payload(ctx, locale="fr", assessment_id="a")
    assert answer["locale"] == "fr" and "disclaimer" in answer["fallback_items"]
