"""The generated module means what the plan says (the plan interpreter of tests/rules/reference
is the oracle), every answer shows what the plan decides, and the module can be read: its
source is registered, so tracebacks and `inspect` show real lines."""

from __future__ import annotations

import inspect
import linecache
import re
import traceback
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules.bundle import Bundle
from app.rules.codegen import ContextResult
from app.rules.schemas import AssessmentResponse
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from bench.contexts import varied
from bench.engine_bench import scaled
from tests.rules import reference, reference_answer
from tests.rules.helpers import contexts, default_bundle, default_engine

ENGINE: AssessmentEngine = default_engine()
LOCALES = tuple(ENGINE.builders)
PLAN = reference.plan_of(ENGINE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_the_evaluator_ranks_and_triages_as_the_plan_says(ctx: WorkoutContext) -> None:
    fast = ENGINE.evaluate(ctx)
    slow = reference.evaluate(PLAN, reference.flatten(ctx))
    assert (fast.level, fast.disposition) == (slow.level, slow.disposition)
    assert tuple(flag.id for flag in fast.red_flags) == slow.red_flags
    assert fast.conditions == slow.suspected
    assert fast.ranked == slow.ranked
    assert fast.logits == slow.logits  # bit for bit, every cause


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_the_one_pass_evaluator_does_what_the_plan_says(ctx: WorkoutContext) -> None:
    """Reading the context, every condition, the logits, red flags and plausibility checks
    of the generated function are those the plan gives."""
    values, given_fields = reference.read_context(ctx)
    result = ENGINE.generated.evaluate_context(ctx)
    assert isinstance(result, ContextResult)
    assert (result.values, result.given) == (values, given_fields)
    assert list(result.given) == list(given_fields)  # the same section order
    slow = reference.evaluate(PLAN, values)
    assert result.conditions == slow.conditions  # each condition, where the plan says it is
    assert result.logits == list(slow.logits.values())
    assert [flag.id for flag in result.red_flags] == list(slow.red_flags)
    assert [check.code for check in result.implausible] == reference.implausible(PLAN, values)
    bits = ENGINE.generated.input_bits
    assert result.present == sum(bit for path, bit in bits.items() if path in values)


def expected_answer(plan: dict[str, Any], ctx: WorkoutContext, limit: int) -> dict[str, Any]:
    """What an answer must say, as the plan decides it (texts from the plan's locale)."""
    values, given_fields = reference.read_context(ctx)
    ev = reference.evaluate(plan, values)
    causes = {cause["id"]: cause for cause in plan["causes"]}
    scale = plan["limits"]["shown_scale"]
    acting_now = ev.level == "urgent" or bool(ev.suspected)
    reasons = [
        flag["id"]
        for flag in plan["red_flags"]
        if flag["id"] in ev.red_flags and reference.LEVEL[flag["disposition"]] == ev.level
    ]
    shown = list(ev.ranked[:limit])
    evidence = {
        cause_id: [
            (signal, weight, next(s for s in causes[cause_id]["signals"] if s["id"] == signal))
            for signal, weight in reference_answer.evidence(plan, ev, cause_id)
        ]
        for cause_id in shown
    }
    tips = reference_answer.shown_tips(plan, ev)
    questions = (
        []
        if acting_now
        else reference_answer.follow_ups(plan, ev, plan["limits"]["max_follow_ups"])
    )
    warnings = reference.implausible(plan, values)
    checks = {check["code"]: check for check in plan["plausibility"]["checks"]}
    fallen = set(plan["fallbacks"])
    if ev.suspected:
        keys = [f"disposition_headlines:{ev.disposition}"] + [
            f"conditions:{c}" for c in ev.suspected
        ]
    else:
        keys = [f"triage_headlines:{ev.level}"]
    keys += [f"red_flags:{flag}" for flag in reasons]
    keys = [key for key in keys if key in fallen]
    for cause_id in shown:
        keys += [causes[cause_id]["fallback"]] if causes[cause_id]["fallback"] else []
        keys += [s["fallback"] for _, _, s in evidence[cause_id] if s["fallback"]]
    later = [f"tips:{tip}" for tip in tips] + [f"questions:{q}" for q in questions]
    keys += [key for key in [*later, "disclaimer"] if key in fallen]
    keys += [checks[code]["fallback"] for code in warnings if checks[code]["fallback"]]
    return {
        "locale": plan["locale"],
        "triage": (ev.level, ev.disposition, reasons, list(ev.suspected)),
        "causes": [
            (
                cause_id,
                causes[cause_id]["title"],
                round(reference_answer.sigmoid(ev.logits[cause_id]) * scale) / scale,
                reference_answer.confidence(plan, cause_id, values),
                [
                    (
                        s["evidence_field"],
                        *reference_answer.shown_value(values.get(s["evidence_field"])),
                        weight,
                        s["message"],
                    )
                    for _, weight, s in evidence[cause_id]
                ],
            )
            for cause_id in shown
        ],
        "tips": [(tip, reference_answer.actions(plan, ev, tip)) for tip in tips],
        "questions": questions,
        "warnings": [(checks[code]["field"], code, checks[code]["message"]) for code in warnings],
        "disclaimer": plan["disclaimer"],
        "normalized_context": given_fields,
        "fallback_items": keys,
    }


def answer_facts(engine: AssessmentEngine, ctx: WorkoutContext, locale: str, limit: int) -> Any:
    answer = engine.assess_payload(ctx, locale=locale, limit=limit, assessment_id="a")
    AssessmentResponse.model_validate(answer)  # the shape, as the schema says
    triage = answer["triage"]
    return {
        "locale": answer["locale"],
        "triage": (
            triage["level"],
            triage["disposition"],
            [reason["code"] for reason in triage["reasons"]],
            [condition["id"] for condition in triage["conditions"]],
        ),
        "causes": [
            (
                cause["id"],
                cause["title"],
                cause["score"],
                cause["confidence"],
                [
                    (i["field"], i["value"], i["display_value"], i["weight"], i["message"])
                    for i in cause["evidence"]
                ],
            )
            for cause in answer["causes"]
        ],
        "tips": [(tip["id"], tip["actions"]) for tip in answer["tips"]],
        "questions": [question["field"] for question in answer["follow_up_questions"]],
        "warnings": [(w["field"], w["code"], w["message"]) for w in answer["warnings"]],
        "disclaimer": answer["disclaimer"],
        "normalized_context": answer["normalized_context"],
        "fallback_items": answer["fallback_items"],
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts, limit=st.sampled_from([1, 3, 5, 8, 50]))
def test_every_answer_shows_what_the_plan_decides(ctx: WorkoutContext, limit: int) -> None:
    """Causes, scores, confidence, evidence (order, weights, texts), triage, tips, questions,
    warnings and fallen texts, in every locale; the shape is the schema's (and the recorded
    answers pin it to the byte)."""
    for locale in LOCALES:
        plan = reference.plan_of(ENGINE, locale)
        assert answer_facts(ENGINE, ctx, locale, limit) == expected_answer(plan, ctx, limit)


def test_a_ruleset_ten_times_larger_answers_as_its_plan_says() -> None:
    """Many causes sharing conditions: the writers still read the right results."""
    engine = AssessmentEngine(scaled(default_bundle(), 10), 1)
    plan = reference.plan_of(engine)
    for data in varied(20):
        ctx = WorkoutContext.model_validate(data)
        slow = reference.evaluate(plan, reference.flatten(ctx))
        assert engine.evaluate(ctx).logits == slow.logits
        for limit in (5, 50):
            assert answer_facts(engine, ctx, "en", limit) == expected_answer(plan, ctx, limit)


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
    """The same builder serves it; its answers name every text given in the default locale,
    in answer order."""
    engine = PARTIAL
    fast = answer_facts(engine, ctx, "fr", limit)
    assert fast == expected_answer(reference.plan_of(engine, "fr"), ctx, limit)
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
