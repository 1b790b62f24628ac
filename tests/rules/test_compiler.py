"""Compiling rules: every problem reported with its bundle path, and each op's semantics."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from app.rules.bundle import Bundle, ConditionOp
from app.rules.compiler import RuleCompileError, compile_ruleset
from app.rules.ops import OPERATORS, OPS_BY_KIND
from app.rules.versions import AssessmentEngine
from tests.rules.helpers import context

MESSAGE = {"en": "A test message."}


def with_changes(bundle: Bundle, **changes: Any) -> Bundle:
    """A copy of the bundle with some top-level keys replaced, validated like stored content."""
    return Bundle.model_validate({**bundle.model_dump(mode="json"), **changes})


def signal(*conditions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "probe", "when": list(conditions), "weight": 1.0, "message": MESSAGE, **extra}


def rules_with(bundle: Bundle, *signals: dict[str, Any]) -> list[dict[str, Any]]:
    """The bundle's rules with extra signals on the first cause."""
    rules = [rule.model_dump(mode="json") for rule in bundle.rules]
    rules[0]["signals"] = [*rules[0]["signals"], *signals]
    return rules


def problems_for(bundle: Bundle, *signals: dict[str, Any]) -> list[tuple[str, str]]:
    broken = with_changes(bundle, rules=rules_with(bundle, *signals))
    with pytest.raises(RuleCompileError) as caught:
        compile_ruleset(broken)
    return caught.value.problems


def test_default_content_compiles(bundle: Bundle) -> None:
    ruleset = compile_ruleset(bundle)
    assert [cause.id for cause in ruleset.causes] == [cause.id for cause in bundle.causes]


@pytest.mark.parametrize(
    ("condition", "where", "says"),
    [
        ({"field": "activity.cadence_spm", "op": "gte", "value": 1}, "field", "unknown field"),
        ({"field": "derived.nonsense", "op": "true"}, "field", "unknown field"),
        ({"field": "activity.duration_min", "op": "contains", "value": "x"}, "op", "number"),
        ({"field": "activity.to_failure", "op": "gte", "value": 1}, "op", "bool"),
        ({"field": "symptoms.associated", "op": "eq", "value": "x"}, "op", "list"),
        ({"field": "training.fitness_level", "op": "ramp_up", "value": [0, 1]}, "op", "enum"),
        ({"field": "activity.duration_min", "op": "gte", "value": "long"}, "value", "number"),
        ({"field": "activity.duration_min", "op": "gte", "value": True}, "value", "number"),
        ({"field": "activity.duration_min", "op": "ramp_up", "value": [90, 30]}, "value", "low"),
        ({"field": "activity.duration_min", "op": "ramp_down", "value": [5, 5]}, "value", "low"),
        ({"field": "activity.duration_min", "op": "between", "value": [1]}, "value", "[low"),
        ({"field": "activity.duration_min", "op": "in", "value": []}, "value", "list"),
        ({"field": "activity.to_failure", "op": "true", "value": 3}, "value", "no value"),
        ({"field": "activity.to_failure", "op": "eq", "value": "yes"}, "value", "true or"),
        ({"field": "training.fitness_level", "op": "eq", "value": "elite"}, "value", "elite"),
        ({"field": "activity.type", "op": "in", "value": ["running", "x"]}, "value", "'x'"),
        ({"field": "symptoms.associated", "op": "contains", "value": "hiccups"}, "value", "hic"),
        ({"field": "symptoms.associated", "op": "contains_any", "value": "fainting"}, "value", ""),
    ],
)
def test_bad_conditions_are_reported_with_their_path(
    bundle: Bundle, condition: dict[str, Any], where: str, says: str
) -> None:
    problems = problems_for(bundle, signal(condition))
    index = len(bundle.rules[0].signals)
    assert len(problems) == 1
    path, message = problems[0]
    assert path == f"rules.0.signals.{index}.when.0.{where}"
    assert says in message


def test_every_problem_is_reported_at_once(bundle: Bundle) -> None:
    rules = rules_with(
        bundle,
        signal({"field": "activity.nope", "op": "true"}),
        signal({"field": "activity.duration_min", "op": "gte", "value": 1}),  # duplicate id
        {
            **signal({"field": "activity.duration_min", "op": "gte", "value": 1}),
            "id": "other",
            "evidence_field": "activity.nope",
        },
    )
    rules.append({"cause": "sore_feet", "prior": 0, "signals": []})
    red_flags = [
        *(flag.model_dump(mode="json") for flag in bundle.red_flags),
        {
            "id": "ramped",
            "level": "consult",
            "message": MESSAGE,
            "when": [{"field": "symptoms.persisting_days", "op": "ramp_up", "value": [1, 3]}],
        },
    ]
    questions = [{"field": "derived.heat_index_c", "text": {"en": "How hot did it feel?"}}]
    broken = with_changes(bundle, rules=rules, red_flags=red_flags, questions=questions)
    with pytest.raises(RuleCompileError) as caught:
        compile_ruleset(broken)
    first = len(bundle.rules[0].signals)
    paths = [path for path, _ in caught.value.problems]
    assert paths == [
        f"rules.{len(rules) - 1}.cause",
        f"rules.0.signals.{first}.when.0.field",
        f"rules.0.signals.{first + 1}.id",
        f"rules.0.signals.{first + 2}.evidence_field",
        f"red_flags.{len(red_flags) - 1}.when.0.op",
        "questions.0.field",
    ]
    assert "sore_feet" in str(caught.value)


def test_a_cause_without_rules_keeps_a_neutral_score(bundle: Bundle) -> None:
    ruleset = compile_ruleset(with_changes(bundle, rules=[]))
    assert all(cause.prior == 0 and not cause.signals for cause in ruleset.causes)


def test_cause_inputs_include_those_behind_derived_fields(bundle: Bundle) -> None:
    dehydration = next(c for c in compile_ruleset(bundle).causes if c.id == "dehydration")
    assert "environment.temperature_c" in dehydration.input_fields
    assert "hydration.fluid_intake_ml" in dehydration.input_fields
    assert not any(field.startswith("derived.") for field in dehydration.input_fields)


def probe_activation(bundle: Bundle, conditions: list[dict[str, Any]], **sections: Any) -> float:
    """What a signal of weight 1 with these conditions adds to the first cause's logit, as the
    generated module computes it."""
    probed_bundle = with_changes(bundle, rules=rules_with(bundle, signal(*conditions)))
    probed = AssessmentEngine(probed_bundle, 1)
    ctx = context(**sections)
    first = probed.ruleset.causes[0].id
    without = AssessmentEngine(bundle, 1).evaluate(ctx).logits[first]
    return probed.evaluate(ctx).logits[first] - without


def activation(bundle: Bundle, condition: dict[str, Any], **sections: Any) -> float:
    """The activation of one condition (as a signal of weight 1) on a context."""
    return probe_activation(bundle, [condition], **sections)


DURATION = "activity.duration_min"


@pytest.mark.parametrize(
    ("op", "value", "duration", "expected"),
    [
        ("gte", 60, 60, 1.0),
        ("gte", 60, 59, 0.0),
        ("gt", 60, 60, 0.0),
        ("lte", 60, 60, 1.0),
        ("lt", 60, 60, 0.0),
        ("eq", 60, 60, 1.0),
        ("in", [30, 60], 60, 1.0),
        ("between", [30, 60], 45, 1.0),
        ("between", [30, 60], 61, 0.0),
        ("ramp_up", [60, 120], 60, 0.0),
        ("ramp_up", [60, 120], 90, 0.5),
        ("ramp_up", [60, 120], 200, 1.0),
        ("ramp_down", [60, 120], 60, 1.0),
        ("ramp_down", [60, 120], 105, 0.25),
        ("ramp_down", [60, 120], 120, 0.0),
        ("present", None, 1, 1.0),
    ],
)
def test_number_ops(bundle: Bundle, op: str, value: Any, duration: float, expected: float) -> None:
    condition = {"field": DURATION, "op": op, "value": value}
    activity = {"type": "running", "duration_min": duration}
    assert activation(bundle, condition, activity=activity) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("condition", "sections", "expected"),
    [
        ({"field": "activity.to_failure", "op": "true"}, {}, 0.0),  # missing never matches
        ({"field": "activity.to_failure", "op": "false"}, {}, 0.0),
        ({"field": "hydration.urine_color", "op": "lte", "value": 3}, {}, 0.0),
        ({"field": "hydration.urine_color", "op": "ramp_down", "value": [2, 4]}, {}, 0.0),
        ({"field": "symptoms.associated", "op": "present"}, {}, 0.0),
        ({"field": "symptoms.associated", "op": "present"}, {"symptoms": {"associated": []}}, 1.0),
        (
            {"field": "symptoms.associated", "op": "contains", "value": "vomiting"},
            {"symptoms": {"associated": ["numbness", "vomiting"]}},
            1.0,
        ),
        (
            {
                "field": "symptoms.associated",
                "op": "contains_any",
                "value": ["fainting", "numbness"],
            },
            {"symptoms": {"associated": ["numbness"]}},
            1.0,
        ),
        (
            {"field": "symptoms.associated", "op": "contains_any", "value": ["fainting"]},
            {"symptoms": {"associated": ["numbness"]}},
            0.0,
        ),
        (
            {"field": "training.fitness_level", "op": "in", "value": ["beginner", "advanced"]},
            {"training": {"fitness_level": "beginner"}},
            1.0,
        ),
        (
            {"field": "training.fitness_level", "op": "eq", "value": "beginner"},
            {"training": {"fitness_level": "advanced"}},
            0.0,
        ),
        (
            {"field": "activity.type", "op": "eq", "value": "strength_training"},
            {"activity": {"type": "WEIGHTLIFTING", "duration_min": 30}},
            1.0,
        ),
        ({"field": "derived.is_endurance", "op": "true"}, {}, 1.0),
        (
            {"field": "hydration.electrolytes_taken", "op": "eq", "value": False},
            {"hydration": {"electrolytes_taken": False}},
            1.0,
        ),
    ],
)
def test_other_ops(
    bundle: Bundle, condition: dict[str, Any], sections: dict[str, Any], expected: float
) -> None:
    assert activation(bundle, condition, **sections) == pytest.approx(expected)


def test_combined_conditions_multiply(bundle: Bundle) -> None:
    condition_pair = [
        {"field": DURATION, "op": "ramp_up", "value": [0, 100]},
        {"field": "activity.intensity_rpe", "op": "ramp_up", "value": [0, 10]},
    ]
    both = {"type": "running", "duration_min": 50, "intensity_rpe": 5}
    assert probe_activation(bundle, condition_pair, activity=both) == pytest.approx(0.25)
    one = {"type": "running", "duration_min": 50}
    assert probe_activation(bundle, condition_pair, activity=one) == 0.0


def literal_values(alias: Any) -> set[str]:
    """The strings of a Literal, through any TypeAliasType and Annotated wrapping."""
    while typing.get_origin(alias) is not typing.Literal:
        alias = getattr(alias, "__value__", None) or typing.get_args(alias)[0]
    return set(typing.get_args(alias))


def test_every_op_of_the_bundle_schema_is_compiled_for_some_field_kind() -> None:
    assert set().union(*OPS_BY_KIND.values()) == literal_values(ConditionOp)


def test_the_bundle_schema_lists_the_operators_of_the_registry_in_its_order() -> None:
    alias: Any = ConditionOp
    while typing.get_origin(alias) is not typing.Literal:
        alias = getattr(alias, "__value__", None) or typing.get_args(alias)[0]
    assert list(typing.get_args(alias)) == list(OPERATORS)
