"""Turn a bundle's rules, red flags and tips into closures, once per content version.

Everything that can be decided before a request is decided here: which field a condition
reads, which comparison it makes, which inputs each cause depends on. Content that the engine
could not evaluate is refused with every problem listed by its path in the bundle, so an
editor sees all mistakes of a draft at once rather than one per publish attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.rules.bundle import Bundle, CauseRules, Condition, TriageLevel
from app.rules.codegen import (
    RAMP_OPS,
    ContextEvaluator,
    Explainer,
    generate_context_evaluator,
    generate_explainer,
    input_bits,
)
from app.rules.derived import add_derived
from app.rules.fields import KNOWN_FIELDS, OPS_BY_KIND, SECTION_FIELDS, FieldKind, FieldSpec
from app.rules.plausibility import CHECKS

Activation = Callable[[Mapping[str, Any]], float]
"""Reads a flattened context; 0.0 = does not hold (or field missing), up to 1.0 = fully holds."""

LEVEL_ORDER: Final[dict[TriageLevel, int]] = {"self_care": 0, "consult": 1, "urgent": 2}
_NUMERIC_OPS = frozenset({"gte", "gt", "lte", "lt"})
_NO_VALUE_OPS = frozenset({"present", "true", "false"})

Problem = tuple[str, str]
"""(path in the bundle, what is wrong), e.g. ("rules.2.signals.0.when.0.field", "unknown ...")."""


class RuleCompileError(ValueError):
    """The bundle's rules cannot be evaluated; `problems` lists each one with its path."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


@dataclass(frozen=True, slots=True)
class CompiledSignal:
    """A signal ready to evaluate: its contribution is weight x activation."""

    id: str
    cause_id: str
    weight: float
    activation: Activation  # the reference semantics; requests use the generated scorer
    evidence_field: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class CompiledCause:
    """A cause's prior, signals, and the inputs they depend on (for confidence and questions)."""

    id: str
    prior: float
    signals: tuple[CompiledSignal, ...]
    input_fields: tuple[str, ...]  # inputs its signals read, directly or through derived fields
    input_weights: tuple[tuple[str, float], ...]  # input -> largest |weight| of a signal using it


@dataclass(frozen=True, slots=True)
class CompiledRedFlag:
    """A red flag ready to evaluate: it fires when its activation is above zero."""

    id: str
    level: TriageLevel
    activation: Activation  # the reference semantics; requests use the generated checker
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class CompiledTip:
    """A tip with the (existing, de-duplicated) causes it addresses."""

    id: str
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    """What the engine evaluates: causes in bundle order (the ranking tie-break)."""

    causes: tuple[CompiledCause, ...]
    red_flags: tuple[CompiledRedFlag, ...]  # the most severe level first
    tips: tuple[CompiledTip, ...]
    tips_by_cause: dict[str, tuple[int, ...]]  # cause id -> indexes into `tips` addressing it
    question_fields: tuple[str, ...]  # input fields with a follow-up question, in bundle order
    # context -> (flat values, given fields, logits, condition results, fired flags, tripped
    # plausibility checks, provided inputs' mask): the request's first half in one pass
    evaluate_context: ContextEvaluator
    condition_index: dict[str, int]  # condition_key -> where `evaluate_context` leaves it
    input_bits: dict[str, int]  # input field -> its bit in `evaluate_context`'s mask
    explainers: tuple[Explainer, ...]  # per cause: flat context -> its fired signals, generated


def compile_ruleset(bundle: Bundle) -> CompiledRuleset:
    """Compile a bundle, or raise `RuleCompileError` with every problem found."""
    problems: list[Problem] = []
    causes = _compile_causes(bundle, problems)
    red_flags = _compile_red_flags(bundle, problems)
    tips = _compile_tips(bundle)
    question_fields = _check_questions(bundle, problems)
    if problems:
        raise RuleCompileError(problems)
    tips_by_cause = {
        cause.id: tuple(i for i, tip in enumerate(tips) if cause.id in tip.addresses)
        for cause in causes
    }
    signals = [[(signal.weight, signal.conditions) for signal in cause.signals] for cause in causes]
    priors = [cause.prior for cause in causes]
    flags = [(flag, flag.conditions) for flag in red_flags]
    checks = [(check, check.test) for check in CHECKS]
    evaluate_context, condition_index = generate_context_evaluator(
        priors, signals, flags, SECTION_FIELDS, add_derived, checks
    )
    explainers = tuple(generate_explainer(cause_signals) for cause_signals in signals)
    return CompiledRuleset(
        causes,
        red_flags,
        tips,
        tips_by_cause,
        question_fields,
        evaluate_context,
        condition_index,
        input_bits(SECTION_FIELDS),
        explainers,
    )


def _compile_causes(bundle: Bundle, problems: list[Problem]) -> tuple[CompiledCause, ...]:
    """Causes in bundle order; a cause without rules keeps a neutral prior and no signals."""
    cause_ids = [cause.id for cause in bundle.causes]
    rules_by_cause: dict[str, tuple[int, CauseRules]] = {}
    for index, rules in enumerate(bundle.rules):
        if rules.cause not in cause_ids:
            problems.append((f"rules.{index}.cause", f"rules for unknown cause {rules.cause!r}"))
        rules_by_cause.setdefault(rules.cause, (index, rules))
    compiled: list[CompiledCause] = []
    for cause_id in cause_ids:
        if cause_id in rules_by_cause:
            compiled.append(_compile_cause(*rules_by_cause[cause_id], problems))
        else:
            compiled.append(CompiledCause(cause_id, 0.0, (), (), ()))
    return tuple(compiled)


def _compile_cause(index: int, rules: CauseRules, problems: list[Problem]) -> CompiledCause:
    signals: list[CompiledSignal] = []
    weights: dict[str, float] = {}
    seen: set[str] = set()
    for signal_index, signal in enumerate(rules.signals):
        path = f"rules.{index}.signals.{signal_index}"
        if signal.id in seen:
            problems.append((f"{path}.id", f"signal id {signal.id!r} is used twice"))
        seen.add(signal.id)
        if signal.evidence_field is not None and signal.evidence_field not in KNOWN_FIELDS:
            problems.append((f"{path}.evidence_field", f"unknown field {signal.evidence_field!r}"))
        evidence_field = signal.evidence_field or signal.when[0].field
        activation = _compile_conditions(signal.when, f"{path}.when", problems)
        if activation is None:
            continue
        signals.append(
            CompiledSignal(
                signal.id,
                rules.cause,
                signal.weight,
                activation,
                evidence_field,
                tuple(signal.when),
            )
        )
        for condition in signal.when:
            for field in KNOWN_FIELDS[condition.field].inputs:
                weights[field] = max(weights.get(field, 0.0), abs(signal.weight))
    return CompiledCause(
        rules.cause, rules.prior, tuple(signals), tuple(weights), tuple(weights.items())
    )


def _compile_red_flags(bundle: Bundle, problems: list[Problem]) -> tuple[CompiledRedFlag, ...]:
    compiled: list[CompiledRedFlag] = []
    seen: set[str] = set()
    for index, flag in enumerate(bundle.red_flags):
        path = f"red_flags.{index}"
        if flag.id in seen:
            problems.append((f"{path}.id", f"red flag id {flag.id!r} is used twice"))
        seen.add(flag.id)
        for condition_index, condition in enumerate(flag.when):
            if condition.op in RAMP_OPS:
                problems.append(
                    (
                        f"{path}.when.{condition_index}.op",
                        "a red flag either fires or not: use gte/lte instead of a ramp",
                    )
                )
        activation = _compile_conditions(flag.when, f"{path}.when", problems)
        if activation is not None:
            compiled.append(CompiledRedFlag(flag.id, flag.level, activation, tuple(flag.when)))
    compiled.sort(key=lambda flag: -LEVEL_ORDER[flag.level])  # stable: bundle order per level
    return tuple(compiled)


def _compile_tips(bundle: Bundle) -> tuple[CompiledTip, ...]:
    """Tips by id (the first of a repeated id wins), addressing only causes that exist."""
    cause_ids = {cause.id for cause in bundle.causes}
    tips: dict[str, CompiledTip] = {}
    for tip in bundle.tips:
        addresses = tuple(c for c in dict.fromkeys(tip.addresses) if c in cause_ids)
        tips.setdefault(tip.id, CompiledTip(tip.id, addresses))
    return tuple(tips.values())


def _check_questions(bundle: Bundle, problems: list[Problem]) -> tuple[str, ...]:
    """Follow-up questions can only ask for what the user can enter: input fields."""
    fields: dict[str, None] = {}
    for index, question in enumerate(bundle.questions):
        spec = KNOWN_FIELDS.get(question.field)
        if spec is None or not spec.is_input:
            problems.append(
                (f"questions.{index}.field", f"{question.field!r} is not an input field")
            )
        else:
            fields.setdefault(question.field)
    return tuple(fields)


def _compile_conditions(
    conditions: Sequence[Condition], path: str, problems: list[Problem]
) -> Activation | None:
    """All conditions must hold; ramps multiply, so the activation stays monotone in each."""
    compiled: list[Activation] = []
    for index, condition in enumerate(conditions):
        activation = _compile_condition(condition, f"{path}.{index}", problems)
        if activation is not None:
            compiled.append(activation)
    if len(compiled) != len(conditions):
        return None
    if len(compiled) == 1:
        return compiled[0]
    if len(compiled) == 2:  # the common combination, without the loop
        first, second = compiled
        return lambda flat: held * second(flat) if (held := first(flat)) else 0.0
    first, *rest = compiled

    def all_hold(flat: Mapping[str, Any]) -> float:
        activation = first(flat)
        for condition in rest:
            if not activation:
                break
            activation *= condition(flat)
        return activation

    return all_hold


def _compile_condition(
    condition: Condition, path: str, problems: list[Problem]
) -> Activation | None:
    spec = KNOWN_FIELDS.get(condition.field)
    if spec is None:
        problems.append((f"{path}.field", f"unknown field {condition.field!r}"))
        return None
    if condition.op not in OPS_BY_KIND[spec.kind]:
        allowed = ", ".join(sorted(OPS_BY_KIND[spec.kind]))
        problems.append(
            (
                f"{path}.op",
                f"{condition.op!r} does not apply to {spec.kind} field {spec.path!r}"
                f" (use one of: {allowed})",
            )
        )
        return None
    message = _value_problem(condition, spec)
    if message is not None:
        problems.append((f"{path}.value", message))
        return None
    return _activation(condition.field, condition.op, condition.value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_problem(condition: Condition, spec: FieldSpec) -> str | None:
    """Why the value does not fit the op and field, or None when it does."""
    op, value = condition.op, condition.value
    if op in _NO_VALUE_OPS:
        return None if value is None else f"{op!r} takes no value"
    if spec.kind is FieldKind.BOOL:  # only eq remains
        return None if isinstance(value, bool) else "'eq' on a bool field needs true or false"
    if spec.kind is FieldKind.NUMBER:
        if op in _NUMERIC_OPS or op == "eq":
            return None if _is_number(value) else f"{op!r} needs a number"
        if op == "in":
            ok = isinstance(value, list) and value and all(_is_number(v) for v in value)
            return None if ok else "'in' needs a non-empty list of numbers"
        pair = value if isinstance(value, list) else []
        if len(pair) != 2 or not all(_is_number(v) for v in pair):
            return f"{op!r} needs [low, high]"
        low, high = float(pair[0]), float(pair[1])
        if low > high or (op in RAMP_OPS and low == high):
            return f"{op!r} needs low < high, got {pair}"
        return None
    # enum and list fields: the values must be ones the schema can produce
    wanted = value if op in ("in", "contains_any") else [value]
    if not isinstance(wanted, list) or not wanted or not all(isinstance(v, str) for v in wanted):
        return f"{op!r} needs " + ("a non-empty list of values" if op != "eq" else "a value")
    unknown = sorted(str(v) for v in wanted if v not in spec.choices)
    if unknown:
        return f"unknown value(s) {unknown} for {spec.path!r}; known: {sorted(spec.choices)}"
    return None


def _activation(field: str, op: str, value: Any) -> Activation:
    """One small closure per op: the request path makes one dict lookup and one comparison."""
    if op == "present":
        return lambda flat: 1.0 if field in flat else 0.0
    if op == "true":
        return lambda flat: 1.0 if flat.get(field) is True else 0.0
    if op == "false":
        return lambda flat: 1.0 if flat.get(field) is False else 0.0
    if op == "eq":
        return lambda flat: 1.0 if (x := flat.get(field)) is not None and x == value else 0.0
    if op == "in":
        choices = frozenset(value)
        return lambda flat: 1.0 if flat.get(field) in choices else 0.0
    if op == "contains":
        return lambda flat: 1.0 if value in flat.get(field, ()) else 0.0
    if op == "contains_any":
        wanted = frozenset(value)
        return lambda flat: 1.0 if not wanted.isdisjoint(flat.get(field, ())) else 0.0
    if op in _NUMERIC_OPS or op == "between":
        return _comparison(field, op, value)
    low, high = float(value[0]), float(value[1])
    span = high - low
    if op == "ramp_up":

        def ramp_up(flat: Mapping[str, Any]) -> float:
            x = flat.get(field)
            if x is None or x <= low:
                return 0.0
            return 1.0 if x >= high else (x - low) / span

        return ramp_up

    def ramp_down(flat: Mapping[str, Any]) -> float:
        x = flat.get(field)
        if x is None or x >= high:
            return 0.0
        return 1.0 if x <= low else (high - x) / span

    return ramp_down


def _comparison(field: str, op: str, value: Any) -> Activation:
    if op == "gte":
        return lambda flat: 1.0 if (x := flat.get(field)) is not None and x >= value else 0.0
    if op == "gt":
        return lambda flat: 1.0 if (x := flat.get(field)) is not None and x > value else 0.0
    if op == "lte":
        return lambda flat: 1.0 if (x := flat.get(field)) is not None and x <= value else 0.0
    if op == "lt":
        return lambda flat: 1.0 if (x := flat.get(field)) is not None and x < value else 0.0
    low, high = value
    return lambda flat: 1.0 if (x := flat.get(field)) is not None and low <= x <= high else 0.0
