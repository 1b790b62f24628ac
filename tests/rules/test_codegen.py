"""The generated module answers exactly as the step-by-step reference does, and can be read:
its source is registered, so tracebacks and `inspect` show real lines."""

from __future__ import annotations

import inspect
import linecache
import re
import traceback

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules.bundle import Bundle
from app.rules.codegen import ContextResult
from app.rules.compiler import condition_key
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from bench.contexts import varied
from bench.engine_bench import scaled
from tests.rules import reference
from tests.rules.helpers import contexts, default_bundle, default_engine

ENGINE: AssessmentEngine = default_engine()
LOCALES = tuple(ENGINE.builders)
CONDITIONS = [
    condition
    for item in [*ENGINE.ruleset.causes, *ENGINE.ruleset.red_flags]
    for signal in getattr(item, "signals", [item])
    for condition in signal.conditions
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_the_evaluator_ranks_and_triages_as_the_reference(ctx: WorkoutContext) -> None:
    fast = ENGINE.evaluate(ctx)
    slow = reference.evaluate(ENGINE.ruleset, ctx)
    assert fast.level == slow.level
    assert fast.red_flags == slow.red_flags
    assert list(fast.ranked) == [item.cause.id for item in slow.ranked]
    ranked_logits = {cause_id: fast.logits[cause_id] for cause_id in fast.ranked}
    assert ranked_logits == {item.cause.id: item.logit for item in slow.ranked}  # bit for bit


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_the_one_pass_evaluator_does_what_the_steps_do(ctx: WorkoutContext) -> None:
    """Reading the context, scoring, red flags and plausibility checks in one generated
    function give what the separate steps give."""
    values, given_fields = reference.read_context(ctx)
    result = ENGINE.generated.evaluate_context(ctx)
    assert isinstance(result, ContextResult)
    assert (result.values, result.given) == (values, given_fields)
    assert list(result.given) == list(given_fields)  # the same section order
    for condition in CONDITIONS:  # each condition's result, as its reference closure says
        position = ENGINE.generated.condition_index[condition_key(condition)]
        assert result.conditions[position] == reference.all_hold([condition])(values)
    assert result.implausible == reference.find_implausible(values)
    bits = ENGINE.generated.input_bits
    assert result.present == sum(bit for path, bit in bits.items() if path in values)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts, limit=st.sampled_from([1, 3, 5, 8, 50]))
def test_the_answer_builders_answer_as_the_reference_does(ctx: WorkoutContext, limit: int) -> None:
    """Byte for byte: same causes, scores, evidence, tips, questions, warnings, key order."""
    for locale in LOCALES:
        fast = ENGINE.assess_payload(ctx, locale=locale, limit=limit, assessment_id="a")
        slow = reference.reference_payload(
            ENGINE, ctx, locale=locale, limit=limit, assessment_id="a"
        )
        assert orjson.dumps(fast) == orjson.dumps(slow)


def test_a_ruleset_ten_times_larger_answers_as_the_reference_does() -> None:
    """Many causes sharing conditions: the writers still read the right results."""
    engine = AssessmentEngine(scaled(default_bundle(), 10), 1)
    for data in varied(20):
        ctx = WorkoutContext.model_validate(data)
        for limit in (5, 50):
            fast = engine.assess_payload(ctx, locale="en", limit=limit, assessment_id="a")
            slow = reference.reference_payload(
                engine, ctx, locale="en", limit=limit, assessment_id="a"
            )
            assert orjson.dumps(fast) == orjson.dumps(slow)


def partial_french_engine() -> AssessmentEngine:
    data = default_bundle().model_dump(mode="json")
    data["partial_locales"] = ["fr"]
    data["causes"][0]["text"]["fr"] = {
        key: f"{value} (fr)" if isinstance(value, str) else value
        for key, value in data["causes"][0]["text"]["en"].items()
    }
    data["rules"][1]["signals"][0]["message"]["fr"] = "Un message en français."
    return AssessmentEngine(Bundle.model_validate(data), 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts, limit=st.sampled_from([1, 5, 8]))
def test_a_partial_locale_lists_the_texts_that_fell_back(ctx: WorkoutContext, limit: int) -> None:
    """The same builder serves it; its answers name every text given in the default locale."""
    engine = PARTIAL
    fast = engine.assess_payload(ctx, locale="fr", limit=limit, assessment_id="a")
    slow = reference.reference_payload(engine, ctx, locale="fr", limit=limit, assessment_id="a")
    assert orjson.dumps(fast) == orjson.dumps(slow)
    assert fast["locale"] == "fr" and "disclaimer" in fast["fallback_items"]


PARTIAL = partial_french_engine()


def test_the_generated_source_holds_no_content_text() -> None:
    """Values are bound as constants: editor-written strings never become code."""
    code = ENGINE.generated.evaluate_context.__code__
    names = code.co_names + code.co_varnames
    assert all(name.isidentifier() for name in names)
    assert not any(" " in str(const) for const in code.co_consts if isinstance(const, str))
    assert "Cramps" not in ENGINE.source and "calambres" not in ENGINE.source


def test_the_source_is_one_module_that_tracebacks_and_inspect_can_read() -> None:
    generated = ENGINE.generated
    function = generated.evaluate_context
    assert function.__code__.co_filename == generated.filename
    assert inspect.getsource(function).startswith("def evaluate_context(context):")
    assert linecache.getline(generated.filename, 1).startswith("def evaluate_context")
    assert generated.score_inputs.__code__.co_filename == generated.filename
    try:
        function(None)  # not a context: fails inside the generated code
    except AttributeError as error:
        frames = traceback.extract_tb(error.__traceback__)
        assert frames[-1].filename == generated.filename
        assert frames[-1].line and "context." in frames[-1].line
    else:  # pragma: no cover
        raise AssertionError("the evaluator accepted None")


CONDITION_LINE = re.compile(r"^\s+(\w+) = .* if .* else 0\.0  # (.+)$")


def test_every_condition_line_names_its_local_after_its_field_and_the_rules_using_it() -> None:
    """A traceback through a condition says which field it read and which rules test it."""
    ruleset = ENGINE.ruleset
    signal_labels = {f"{c.id}.{s.id}" for c in ruleset.causes for s in c.signals}
    flag_labels = {f"red flag {flag.id}" for flag in ruleset.red_flags}
    lines = [line for line in ENGINE.source.splitlines() if " else 0.0" in line and " = " in line]
    assert lines
    for line in lines:
        if line.strip().endswith("= 0.0"):  # a left-out section sets its conditions to 0.0
            continue
        match = CONDITION_LINE.match(line)
        assert match, line
        local, comment = match.groups()
        assert not local.startswith("_"), line
        named = [part.split(" and ")[0].strip() for part in comment.split(", ")]
        assert any(
            name in signal_labels or name in flag_labels or name.startswith("tip ")
            for name in named
        ), line


def test_only_the_evaluator_and_the_scorer_are_generated_and_stay_short() -> None:
    """What is generated pays its way (docs/performance.md); texts are written from data."""
    functions = re.findall(r"^def (\w+)\(", ENGINE.source, flags=re.MULTILINE)
    assert functions == ["evaluate_context", "score_inputs"]
    assert ENGINE.source.count("\n") < 1800


def test_a_dropped_module_takes_its_source_out_of_linecache() -> None:
    data = default_bundle().model_dump(mode="json")
    data["rules"][0]["prior"] = -0.25  # a source of its own
    engine = AssessmentEngine(Bundle.model_validate(data), 99)
    filename = engine.generated.filename
    assert filename in linecache.cache
    del engine
    import gc

    gc.collect()
    assert filename not in linecache.cache
    assert ENGINE.generated.filename in linecache.cache
