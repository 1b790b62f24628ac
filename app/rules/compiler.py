"""Compile a bundle's rules, red flags and tips into frozen, typed data, once per version.

Content that the engine could not evaluate is refused with every problem listed by its path
in the bundle, so an editor sees all mistakes of a draft at once. `codegen` turns the result
into Python; this module decides nothing at request time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Final

from app.rules.bundle import (
    ActionRule,
    Bundle,
    CauseRules,
    Condition,
    Disposition,
    RedFlag,
    TriageLevel,
)
from app.rules.fields import KNOWN_FIELDS, FieldKind
from app.rules.ops import GRADED_OPS, OPERATORS, OPS_BY_KIND

LEVEL_ORDER: Final[dict[TriageLevel, int]] = {"self_care": 0, "consult": 1, "urgent": 2}
DISPOSITION_ORDER: Final[dict[Disposition, int]] = {
    "self_care": 0,
    "see_clinician_soon": 1,
    "see_clinician_today": 2,
    "emergency_department": 3,
    "call_emergency_number": 4,
}
LEVEL_OF: Final[dict[Disposition, TriageLevel]] = {
    "self_care": "self_care",
    "see_clinician_soon": "consult",
    "see_clinician_today": "consult",
    "emergency_department": "urgent",
    "call_emergency_number": "urgent",
}
# A flag without a condition, or whose condition is of another level, goes where its level says.
DEFAULT_DISPOSITION: Final[dict[TriageLevel, Disposition]] = {
    "self_care": "self_care",
    "consult": "see_clinician_soon",
    "urgent": "emergency_department",
}

Problem = tuple[str, str]
"""(path in the bundle, what is wrong), e.g. ("rules.2.signals.0.when.0.field", "unknown ...")."""


class RuleCompileError(ValueError):
    """The bundle's rules cannot be evaluated; `problems` lists each one with its path."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


@dataclass(frozen=True, slots=True)
class CompiledSignal:
    """A signal: all its conditions hold -> weight x activation moves the cause's logit."""

    id: str
    cause_id: str
    weight: float
    evidence_field: str
    conditions: tuple[Condition, ...]
    silenced_when: tuple[Condition, ...] = ()  # any one holding: the signal does not count


@dataclass(frozen=True, slots=True)
class CompiledCause:
    """A cause's prior, signals, and the inputs they depend on (for confidence and questions)."""

    id: str
    prior: float
    signals: tuple[CompiledSignal, ...]
    input_fields: tuple[str, ...]  # inputs its signals read, directly or through derived fields
    input_weights: tuple[tuple[str, float], ...]  # input -> largest |weight| of a signal using it
    base_rate: float | None = None  # only orders exact ties
    requires_evidence: bool = False  # ranked only when its signals raise it above the prior


@dataclass(frozen=True, slots=True)
class CompiledRedFlag:
    """A red flag: it fires when all its conditions hold and none of `unless` does."""

    id: str
    level: TriageLevel
    conditions: tuple[Condition, ...]
    disposition: Disposition = "self_care"
    condition: str | None = None  # the must-not-miss condition it is a sign of
    unless: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A must-not-miss condition: its care tips (indexes into `tips`) and the causes that
    contradict it (indexes into `causes`)."""

    id: str
    disposition: Disposition
    fallback: bool
    tips: tuple[int, ...]
    demotes: frozenset[int]


UNIT_BY_KIND: Final[dict[str, str | None]] = {
    # one unit per kind, so that an app can set a reminder without converting anything
    "drink": "ml",
    "eat": "g",
    "electrolytes": "mg",
    "warm_up": "min",
    "cool_down": "min",
    "rest": "days",
    "reduce_load": "pct",
    "see_clinician": None,
}


@dataclass(frozen=True, slots=True)
class CompiledAction:
    """One action rule of a tip, checked; `app.rules.actions` works its amount out."""

    kind: str
    unit: str | None
    when: str
    offset_min: int
    offset_is_amount: bool
    per_hour: bool
    field: str | None  # the value the amount is made from (None: `default` or no amount)
    factor: float
    over_duration: bool
    low: float | None
    high: float | None
    round_to: float
    default: float | None
    has_amount: bool
    only_when: tuple[Condition, ...]  # all must hold (tested by the generated evaluator)


@dataclass(frozen=True, slots=True)
class CompiledTip:
    """A tip with the (existing, de-duplicated) causes it addresses."""

    id: str
    addresses: tuple[str, ...]
    hidden_at: frozenset[TriageLevel] = frozenset()
    hidden_by: frozenset[str] = frozenset()
    hidden_when: tuple[Condition, ...] = ()  # any one holding leaves the tip out
    actions: tuple[CompiledAction, ...] = ()
    care: bool = False  # sends to care: the only kind an urgent answer or a condition shows

    def is_hidden(self, level: TriageLevel, fired: Iterable[str]) -> bool:
        """Whether a contraindication of the tip holds for this triage (`hidden_when` is
        tested with the other conditions, by the generated evaluator)."""
        return level in self.hidden_at or not self.hidden_by.isdisjoint(fired)


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    """What the engine evaluates: causes in bundle order, and how their scores rank."""

    causes: tuple[CompiledCause, ...]
    red_flags: tuple[CompiledRedFlag, ...]  # the most severe disposition first
    tips: tuple[CompiledTip, ...]
    tips_by_cause: dict[str, tuple[int, ...]]  # cause id -> indexes into `tips` addressing it
    question_fields: tuple[str, ...]  # input fields with a follow-up question, in bundle order
    # field -> the activities after which its question makes sense (absent: any activity)
    question_activities: dict[str, frozenset[str]] = dataclass_field(default_factory=dict)
    # cause indexes, most common first (`base_rate`), bundle order among equals: the tie-break
    tie_order: tuple[int, ...] = ()
    # (index, prior) of the causes ranked only when their evidence raises them
    gated: tuple[tuple[int, float], ...] = ()
    open_order: tuple[int, ...] = ()  # tie_order without the gated causes
    conditions: tuple[CompiledCondition, ...] = ()  # bundle order: most serious first

    def rank(self, logits: Sequence[float]) -> list[int]:
        """Cause indexes, best first; exact ties in `tie_order`, so that a cause nothing
        spoke for never outranks a more common one merely by its place in the file. A gated
        cause (`requires_evidence`) takes part only when its logit is above its prior."""
        candidates: Sequence[int] = self.tie_order or range(len(logits))
        for index, prior in self.gated:
            if logits[index] > prior:  # rare: then work out which, in tie order
                raised = {i for i, p in self.gated if logits[i] > p}
                gated = {i for i, _ in self.gated}
                candidates = [i for i in self.tie_order if i in raised or i not in gated]
                break
        else:
            if self.gated:
                candidates = self.open_order
        # `sorted` is stable, also with `reverse`: equal logits keep tie_order.
        return sorted(candidates, key=logits.__getitem__, reverse=True)

    def asks_after(self, question_field: str, activity: str) -> bool:
        allowed = self.question_activities.get(question_field)
        return allowed is None or activity in allowed


def condition_key(condition: Condition) -> str:
    """A condition's identity: equal conditions are tested once and share one result."""
    return json.dumps([condition.field, condition.op, condition.value], sort_keys=True)


def compile_ruleset(bundle: Bundle) -> CompiledRuleset:
    """Compile a bundle, or raise `RuleCompileError` with every problem found."""
    problems: list[Problem] = []
    causes = _compile_causes(bundle, problems)
    red_flags = _compile_red_flags(bundle, problems)
    tips = _compile_tips(bundle, {flag.id for flag in bundle.red_flags}, problems)
    conditions = _compile_conditions(bundle, causes, tips, problems)
    question_fields = _check_questions(bundle, problems)
    if problems:
        raise RuleCompileError(problems)
    tips_by_cause = {
        cause.id: tuple(i for i, tip in enumerate(tips) if cause.id in tip.addresses)
        for cause in causes
    }
    question_activities = {
        question.field: frozenset(str(activity) for activity in question.activities)
        for question in bundle.questions
        if question.activities
    }
    tie_order = _tie_order(causes)
    gated = {index for index, cause in enumerate(causes) if cause.requires_evidence}
    return CompiledRuleset(
        causes,
        red_flags,
        tips,
        tips_by_cause,
        question_fields,
        question_activities,
        tie_order,
        tuple((index, causes[index].prior) for index in gated),
        tuple(index for index in tie_order if index not in gated),
        conditions,
    )


def _tie_order(causes: Sequence[CompiledCause]) -> tuple[int, ...]:
    """Cause indexes by base rate, most common first; those without one last, each group
    in bundle order (`sorted` is stable)."""

    def most_common_first(index: int) -> tuple[bool, float]:
        rate = causes[index].base_rate
        return (rate is None, -(rate or 0.0))

    return tuple(sorted(range(len(causes)), key=most_common_first))


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
        _check_unique(seen, signal.id, f"{path}.id", "signal", problems)
        if signal.evidence_field is not None and signal.evidence_field not in KNOWN_FIELDS:
            problems.append((f"{path}.evidence_field", f"unknown field {signal.evidence_field!r}"))
        evidence_field = signal.evidence_field or signal.when[0].field
        for position, condition in enumerate(signal.silenced_when):
            if condition.op in GRADED_OPS:
                problems.append(
                    (f"{path}.silenced_when.{position}.op", "a silencer holds or not: no ramps")
                )
        silencers_ok = _check_conditions(signal.silenced_when, f"{path}.silenced_when", problems)
        if not _check_conditions(signal.when, f"{path}.when", problems) or not silencers_ok:
            continue
        signals.append(
            CompiledSignal(
                signal.id,
                rules.cause,
                signal.weight,
                evidence_field,
                tuple(signal.when),
                tuple(signal.silenced_when),
            )
        )
        for condition in signal.when:
            for field in KNOWN_FIELDS[condition.field].inputs:
                weights[field] = max(weights.get(field, 0.0), abs(signal.weight))
    return CompiledCause(
        rules.cause,
        rules.prior,
        tuple(signals),
        tuple(weights),
        tuple(weights.items()),
        rules.base_rate,
        rules.requires_evidence,
    )


def _compile_red_flags(bundle: Bundle, problems: list[Problem]) -> tuple[CompiledRedFlag, ...]:
    compiled: list[CompiledRedFlag] = []
    seen: set[str] = set()
    conditions = {condition.id: condition.disposition for condition in bundle.conditions}
    for index, flag in enumerate(bundle.red_flags):
        path = f"red_flags.{index}"
        _check_unique(seen, flag.id, f"{path}.id", "red flag", problems)
        for part in ("when", "unless"):
            for condition_index, condition in enumerate(getattr(flag, part)):
                if condition.op in GRADED_OPS:
                    problems.append(
                        (
                            f"{path}.{part}.{condition_index}.op",
                            "a red flag either fires or not: use gte/lte instead of a ramp",
                        )
                    )
        disposition = _flag_disposition(flag, conditions, path, problems)
        when_ok = _check_conditions(flag.when, f"{path}.when", problems)
        if _check_conditions(flag.unless, f"{path}.unless", problems) and when_ok:
            compiled.append(
                CompiledRedFlag(
                    flag.id,
                    flag.level,
                    tuple(flag.when),
                    disposition,
                    flag.condition,
                    tuple(flag.unless),
                )
            )
    # Most severe first, bundle order among equals (`sort` is stable): the first flag decides.
    compiled.sort(key=lambda flag: -DISPOSITION_ORDER[flag.disposition])
    return tuple(compiled)


def _flag_disposition(
    flag: RedFlag, conditions: dict[str, Disposition], path: str, problems: list[Problem]
) -> Disposition:
    """Where a flag sends the person: its own disposition, else its condition's when that
    agrees with its level, else its level's default (publishing asks more: see
    `content.validation`)."""
    if flag.condition is not None and flag.condition not in conditions:
        problems.append((f"{path}.condition", f"no condition {flag.condition!r}"))
    if flag.disposition is not None:
        if LEVEL_OF[flag.disposition] != flag.level:
            problems.append(
                (
                    f"{path}.disposition",
                    f"{flag.disposition!r} does not agree with level {flag.level!r}",
                )
            )
        return flag.disposition
    inherited = conditions.get(flag.condition or "")
    if inherited is not None and LEVEL_OF[inherited] == flag.level:
        return inherited
    return DEFAULT_DISPOSITION[flag.level]


def _compile_conditions(
    bundle: Bundle,
    causes: Sequence[CompiledCause],
    tips: Sequence[CompiledTip],
    problems: list[Problem],
) -> tuple[CompiledCondition, ...]:
    """Conditions in bundle order, their tips care tips that exist, their demoted causes
    causes that exist."""
    cause_index = {cause.id: index for index, cause in enumerate(causes)}
    tip_index = {tip.id: index for index, tip in enumerate(tips)}
    compiled: list[CompiledCondition] = []
    seen: set[str] = set()
    for index, condition in enumerate(bundle.conditions):
        path = f"conditions.{index}"
        _check_unique(seen, condition.id, f"{path}.id", "condition", problems)
        for position, tip_id in enumerate(condition.tips):
            at = tip_index.get(tip_id)
            if at is None:
                problems.append((f"{path}.tips.{position}", f"no tip {tip_id!r}"))
            elif not tips[at].care:
                problems.append((f"{path}.tips.{position}", f"tip {tip_id!r} is not a care tip"))
        for position, cause_id in enumerate(condition.demotes):
            if cause_id not in cause_index:
                problems.append((f"{path}.demotes.{position}", f"no cause {cause_id!r}"))
        compiled.append(
            CompiledCondition(
                condition.id,
                condition.disposition,
                condition.fallback,
                tuple(tip_index[t] for t in condition.tips if t in tip_index),
                frozenset(cause_index[c] for c in condition.demotes if c in cause_index),
            )
        )
    return tuple(compiled)


def _compile_tips(
    bundle: Bundle, flag_ids: set[str], problems: list[Problem]
) -> tuple[CompiledTip, ...]:
    """Tips by id (the first of a repeated id wins), addressing only causes that exist; a
    contraindication must name red flags that exist."""
    cause_ids = {cause.id for cause in bundle.causes}
    tips: dict[str, CompiledTip] = {}
    for index, tip in enumerate(bundle.tips):
        for position, flag_id in enumerate(tip.hidden_by):
            if flag_id not in flag_ids:
                problems.append((f"tips.{index}.hidden_by.{position}", f"no red flag {flag_id!r}"))
        for position, condition in enumerate(tip.hidden_when):
            if condition.op in GRADED_OPS:
                path = f"tips.{index}.hidden_when.{position}.op"
                problems.append((path, "a tip is shown or not: use gte/lte instead of a ramp"))
        _check_conditions(tip.hidden_when, f"tips.{index}.hidden_when", problems)
        addresses = tuple(c for c in dict.fromkeys(tip.addresses) if c in cause_ids)
        actions = tuple(
            _compile_action(action, f"tips.{index}.actions.{position}", problems)
            for position, action in enumerate(tip.actions)
        )
        compiled = CompiledTip(
            tip.id,
            addresses,
            frozenset(tip.hidden_at),
            frozenset(tip.hidden_by),
            tuple(tip.hidden_when),
            actions,
            tip.care,
        )
        tips.setdefault(tip.id, compiled)
    return tuple(tips.values())


def _compile_action(action: ActionRule, path: str, problems: list[Problem]) -> CompiledAction:
    """An action rule, with every problem of it reported at its path."""
    unit = UNIT_BY_KIND[action.kind]
    amount = action.amount
    if action.unit != unit:
        wanted = f"unit {unit!r}" if unit else "no unit"
        problems.append((f"{path}.unit", f"a {action.kind!r} action takes {wanted}"))
    if amount is not None and unit is None:
        problems.append((f"{path}.amount", f"a {action.kind!r} action has no amount"))
    if amount is not None:
        if amount.field is not None:
            spec = KNOWN_FIELDS.get(amount.field)
            if spec is None:
                problems.append((f"{path}.amount.field", f"unknown field {amount.field!r}"))
            elif spec.kind is not FieldKind.NUMBER:
                problems.append((f"{path}.amount.field", f"{amount.field!r} is not a number field"))
        elif amount.default is None:
            problems.append((f"{path}.amount", "an amount needs a field or a default"))
        if amount.min is not None and amount.max is not None and amount.min > amount.max:
            problems.append((f"{path}.amount.min", f"min {amount.min} is above max {amount.max}"))
    if action.offset_is_amount and unit != "min":
        problems.append((f"{path}.offset_is_amount", "only an amount in minutes is an offset"))
    for position, condition in enumerate(action.only_when):
        if condition.op in GRADED_OPS:
            problems.append(
                (f"{path}.only_when.{position}.op", "an action is scheduled or not: no ramps")
            )
    _check_conditions(action.only_when, f"{path}.only_when", problems)
    return CompiledAction(
        kind=action.kind,
        unit=action.unit,
        when=action.when,
        offset_min=action.offset_min,
        offset_is_amount=action.offset_is_amount,
        per_hour=action.per_hour,
        field=amount.field if amount else None,
        factor=amount.factor if amount else 1.0,
        over_duration=amount.over_duration if amount else False,
        low=amount.min if amount else None,
        high=amount.max if amount else None,
        round_to=amount.round_to if amount else 1.0,
        default=amount.default if amount else None,
        has_amount=amount is not None,
        only_when=tuple(action.only_when),
    )


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


def _check_unique(
    seen: set[str], item_id: str, path: str, what: str, problems: list[Problem]
) -> None:
    """Report an id seen before among its siblings (at the repeat's own path)."""
    if item_id in seen:
        problems.append((path, f"{what} id {item_id!r} is used twice"))
    seen.add(item_id)


def _check_conditions(conditions: Sequence[Condition], path: str, problems: list[Problem]) -> bool:
    """Whether every condition can be evaluated (all are checked, so all problems show)."""
    results = [
        _check_condition(condition, f"{path}.{index}", problems)
        for index, condition in enumerate(conditions)
    ]
    return all(results)


def _check_condition(condition: Condition, path: str, problems: list[Problem]) -> bool:
    spec = KNOWN_FIELDS.get(condition.field)
    if spec is None:
        problems.append((f"{path}.field", f"unknown field {condition.field!r}"))
        return False
    if condition.op not in OPS_BY_KIND[spec.kind]:
        allowed = ", ".join(sorted(OPS_BY_KIND[spec.kind]))
        problems.append(
            (
                f"{path}.op",
                f"{condition.op!r} does not apply to {spec.kind} field {spec.path!r}"
                f" (use one of: {allowed})",
            )
        )
        return False
    message = OPERATORS[condition.op].value_problem(condition.value, spec)
    if message is not None:
        problems.append((f"{path}.value", message))
        return False
    return True
