"""The step-by-step reference of the engine: the oracle the generated code is held to.

Slow and plainly correct: every condition is a small closure over a flattened context, every
cause is scored by a loop over its signals, and the answer is put together piece by piece.
Property tests compare it with the product's generated module, answer for answer, byte for
byte. It lives in tests on purpose: the product has one implementation of each rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

from app.rules.bundle import Condition, TriageLevel
from app.rules.compiler import (
    CompiledCause,
    CompiledCondition,
    CompiledRedFlag,
    CompiledRuleset,
    CompiledSignal,
    CompiledTip,
)
from app.rules.derived import FieldValue, add_derived
from app.rules.fields import SECTION_FIELDS
from app.rules.plausibility import CHECKS, PlausibilityCheck, warning_message
from app.rules.texts import LocaleTexts
from app.rules.versions import MAX_FOLLOW_UPS, MAX_TIPS, AssessmentEngine
from app.workout.context import WorkoutContext

TOP_CAUSES_CONSIDERED = 3
SHOWN_SCALE = 1000.0
Activation = Callable[[Mapping[str, Any]], float]
Fired = tuple[float, int, float]
"""A fired signal: (-|contribution|, its index among the cause's signals, contribution)."""


# --- conditions as closures --------------------------------------------------------------


def activation(field: str, op: str, value: Any) -> Activation:
    """One closure per op: 0.0 = does not hold (or the field is missing), up to 1.0."""
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
    comparisons: dict[str, Callable[[Any], bool]] = {
        "gte": lambda x: x >= value,
        "gt": lambda x: x > value,
        "lte": lambda x: x <= value,
        "lt": lambda x: x < value,
        "between": lambda x: value[0] <= x <= value[1],
    }
    if op in comparisons:
        test = comparisons[op]
        return lambda flat: 1.0 if (x := flat.get(field)) is not None and test(x) else 0.0
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


def all_hold(conditions: Sequence[Condition]) -> Activation:
    """All conditions must hold; activations multiply, in order."""
    closures = [activation(c.field, c.op, c.value) for c in conditions]

    def held(flat: Mapping[str, Any]) -> float:
        result = closures[0](flat)
        for closure in closures[1:]:
            if not result:
                break
            result *= closure(flat)
        return result

    return held


def check_applies(check: PlausibilityCheck, values: Mapping[str, Any]) -> bool:
    if not isinstance(check.test, tuple):
        return check.test(values)
    path, op, limit = check.test
    value = values.get(path)
    return value is not None and (value > limit if op == ">" else value < limit)


def find_implausible(values: Mapping[str, Any]) -> list[PlausibilityCheck]:
    return [check for check in CHECKS if check_applies(check, values)]


def fired_red_flags(
    red_flags: Sequence[CompiledRedFlag], values: Mapping[str, Any]
) -> tuple[CompiledRedFlag, ...]:
    return tuple(
        flag
        for flag in red_flags
        if all_hold(flag.conditions)(values)
        and not any(activation(c.field, c.op, c.value)(values) for c in flag.unless)
    )


DISPOSITIONS = (
    "self_care",
    "see_clinician_soon",
    "see_clinician_today",
    "emergency_department",
    "call_emergency_number",
)
LEVEL_OF_DISPOSITION: dict[str, TriageLevel] = {
    "self_care": "self_care",
    "see_clinician_soon": "consult",
    "see_clinician_today": "consult",
    "emergency_department": "urgent",
    "call_emergency_number": "urgent",
}


def triage_disposition(fired: Sequence[CompiledRedFlag]) -> str:
    return max((flag.disposition for flag in fired), key=DISPOSITIONS.index, default="self_care")


def triage_level(fired: Sequence[CompiledRedFlag]) -> TriageLevel:
    return LEVEL_OF_DISPOSITION[triage_disposition(fired)]


def suspected_conditions(
    ruleset: CompiledRuleset, fired: Sequence[CompiledRedFlag]
) -> list[CompiledCondition]:
    """The conditions named by the flags of the answer's level, most serious first (the
    flag's disposition, then bundle order); a fallback condition only alone."""
    level = triage_level(fired)
    worst: dict[str, int] = {}
    for flag in fired:
        if flag.condition is not None and LEVEL_OF_DISPOSITION[flag.disposition] == level:
            worst[flag.condition] = max(
                worst.get(flag.condition, 0), DISPOSITIONS.index(flag.disposition)
            )
    found = [
        (-worst[condition.id], position, condition)
        for position, condition in enumerate(ruleset.conditions)
        if condition.id in worst
    ]
    ordered = [condition for _, _, condition in sorted(found, key=lambda item: item[:2])]
    specific = [condition for condition in ordered if not condition.fallback]
    return specific or ordered


def display_value(value: FieldValue | None) -> Any:
    """Evidence values as a client would show them: 31 rather than 31.0, 2 decimals at most."""
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        rounded = round(value * 100.0) / 100.0
        return int(rounded) if rounded.is_integer() else rounded
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return str(value)
    return [str(item) for item in value]


def display_text(value: Any) -> str:
    """An evidence value as a short human string: "31", "true", "quadriceps, calves"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def sigmoid(logit: float) -> float:
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    exp = math.exp(logit)
    return exp / (1.0 + exp)


# --- evaluation ------------------------------------------------------------------------------


def read_context(context: WorkoutContext) -> tuple[dict[str, FieldValue], dict[str, Any]]:
    """(provided input fields by path plus the derived values, provided fields by section)."""
    values: dict[str, FieldValue] = {}
    given: dict[str, dict[str, Any]] = {}
    for section, fields in SECTION_FIELDS:
        section_values = getattr(context, section).__dict__
        provided: dict[str, Any] = {}
        for name, path in fields:
            value = section_values[name]
            if value is not None:
                provided[name] = values[path] = value
        if provided:
            given[section] = provided
    add_derived(values)
    return values, given


def flatten(context: WorkoutContext) -> dict[str, FieldValue]:
    return read_context(context)[0]


class ScoredCause:
    """One cause's result: its logit and its fired signals."""

    __slots__ = ("cause", "fired", "logit")

    def __init__(self, cause: CompiledCause, logit: float, fired: list[Fired]) -> None:
        self.cause = cause
        self.logit = logit
        self.fired = fired

    @property
    def score(self) -> float:
        return sigmoid(self.logit)

    def evidence(self) -> list[tuple[CompiledSignal, float]]:
        """Fired signals, strongest contribution first (rule order among equals)."""
        signals = self.cause.signals
        return [(signals[fired[1]], fired[2]) for fired in sorted(self.fired)]


class Ranking(Sequence[ScoredCause]):
    """Every cause, best first; exact ties by base rate (most common first), then causes
    without one, each in bundle order. A cause that requires evidence is left out unless its
    signals raised it above its prior."""

    def __init__(
        self,
        ruleset: CompiledRuleset,
        logits: list[float],
        fired: Sequence[list[Fired]] | None = None,
        demoted: frozenset[int] | set[int] = frozenset(),
    ) -> None:
        fired = fired if fired is not None else [[] for _ in logits]
        items = [
            ScoredCause(cause, logit, signals)
            for cause, logit, signals in zip(ruleset.causes, logits, fired, strict=True)
        ]

        def key(index: int) -> tuple[bool, float, int, float, int]:
            rate = ruleset.causes[index].base_rate
            return (index in demoted, -logits[index], rate is None, -(rate or 0.0), index)

        def ranked(index: int) -> bool:
            cause = ruleset.causes[index]
            return not cause.requires_evidence or logits[index] > cause.prior

        self._items = [
            items[index] for index in sorted(range(len(logits)), key=key) if ranked(index)
        ]

    @overload
    def __getitem__(self, rank: int) -> ScoredCause: ...

    @overload
    def __getitem__(self, rank: slice) -> list[ScoredCause]: ...

    def __getitem__(self, rank: int | slice) -> ScoredCause | list[ScoredCause]:
        return self._items[rank]

    def __iter__(self) -> Iterator[ScoredCause]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Evaluation(NamedTuple):
    values: dict[str, FieldValue]
    level: TriageLevel
    red_flags: tuple[CompiledRedFlag, ...]
    ranked: Ranking
    given: dict[str, dict[str, Any]]
    conditions: tuple[CompiledCondition, ...] = ()


def evaluate(ruleset: CompiledRuleset, context: WorkoutContext) -> Evaluation:
    """Triage, then every cause scored signal by signal and ranked."""
    values, given = read_context(context)
    red_flags = fired_red_flags(ruleset.red_flags, values)
    logits: list[float] = []
    fired: list[list[Fired]] = []
    for cause in ruleset.causes:
        logit = cause.prior
        fired_signals: list[Fired] = []
        for index, signal in enumerate(cause.signals):
            held = all_hold(signal.conditions)(values)
            if held and any(
                activation(c.field, c.op, c.value)(values) for c in signal.silenced_when
            ):
                held = 0.0  # a measured value overrides the estimate this signal reads
            if held:
                contribution = signal.weight * held
                logit += contribution
                fired_signals.append((-abs(contribution), index, contribution))
        logits.append(logit)
        fired.append(fired_signals)
    conditions = tuple(suspected_conditions(ruleset, red_flags))
    demoted = {index for condition in conditions for index in condition.demotes}
    ranked = Ranking(ruleset, logits, fired, demoted)
    return Evaluation(values, triage_level(red_flags), red_flags, ranked, given, conditions)


def confidence(cause: CompiledCause, values: Mapping[str, Any]) -> str:
    """How much of what the cause's rules look at was actually provided."""
    if not cause.input_fields:
        return "low"
    share = sum(map(values.__contains__, cause.input_fields)) / len(cause.input_fields)
    return "high" if share >= 0.6 else "medium" if share >= 0.3 else "low"


def rank_tips(
    ruleset: CompiledRuleset,
    ranked: Sequence[ScoredCause],
    limit: int,
    evaluation: Evaluation | None = None,
) -> list[tuple[CompiledTip, float]]:
    """Tips by the summed score of the top causes they address (bundle order on ties),
    without those a contraindication leaves out of the evaluation's triage."""
    relevance: dict[int, float] = {}
    fired = [flag.id for flag in evaluation.red_flags] if evaluation else []
    level: TriageLevel = evaluation.level if evaluation else "self_care"
    for item in ranked[:TOP_CAUSES_CONSIDERED]:
        score = item.score
        for index in ruleset.tips_by_cause[item.cause.id]:
            tip = ruleset.tips[index]
            if tip.is_hidden(level, fired) or (
                evaluation is not None
                and tip.hidden_when
                and any(
                    activation(c.field, c.op, c.value)(evaluation.values) for c in tip.hidden_when
                )
            ):
                continue
            relevance[index] = relevance.get(index, 0.0) + score
    best = sorted(relevance)
    best.sort(key=relevance.__getitem__, reverse=True)
    return [(ruleset.tips[index], relevance[index]) for index in best[:limit]]


def follow_up_fields(
    question_fields: Sequence[str],
    evaluation: Evaluation,
    limit: int,
    ruleset: CompiledRuleset | None = None,
) -> list[str]:
    """Missing inputs whose answer could most change the top causes, largest stake first."""
    values = evaluation.values
    stakes: dict[str, float] = {}
    for item in evaluation.ranked[:TOP_CAUSES_CONSIDERED]:
        for field, weight in item.cause.input_weights:
            if field not in values and (
                ruleset is None or ruleset.asks_after(field, str(values["activity.type"]))
            ):
                stakes[field] = stakes.get(field, 0.0) + weight
    ordered = [field for field in question_fields if field in stakes]
    ordered.sort(key=lambda field: -stakes[field])
    return ordered[:limit]


# --- the answer ------------------------------------------------------------------------------


def reference_payload(
    engine: AssessmentEngine,
    context: WorkoutContext,
    *,
    locale: str,
    limit: int = 5,
    assessment_id: str,
) -> dict[str, Any]:
    """The answer `engine.assess_payload` must give, decided step by step."""
    if locale not in engine.texts:
        locale = engine.bundle.default_locale
    texts = engine.texts[locale]
    evaluation = evaluate(engine.ruleset, context)
    values = evaluation.values
    causes = [
        _cause(rank, item, values, texts)
        for rank, item in enumerate(evaluation.ranked[:limit], start=1)
    ]
    payload: dict[str, Any] = {
        "kind": "assessment",
        "assessment_id": assessment_id,
        "content_version": engine.version,
        "locale": locale,
        "triage": reference_triage(evaluation, texts),
        "causes": [cause for cause, _ in causes],
        "tips": [
            {**texts.tips[tip.id], "rank": rank, "actions": reference_actions(tip, values)}
            for rank, tip in enumerate(shown_tips(engine.ruleset, evaluation), start=1)
        ],
        "follow_up_questions": [
            {"field": field, "question": texts.questions[field]}
            for field in follow_up_fields(
                engine.ruleset.question_fields, evaluation, MAX_FOLLOW_UPS, engine.ruleset
            )
        ]
        if evaluation.level != "urgent" and not evaluation.conditions
        else [],
        "disclaimer": texts.disclaimer,
        "normalized_context": evaluation.given,
        "warnings": [],
        "fallback_items": [],
    }
    fallen: list[str] = []
    for check in find_implausible(values):
        message, fell_back = warning_message(check, locale)
        payload["warnings"].append({"field": check.field, "code": check.code, "message": message})
        if fell_back:
            fallen.append(f"warnings:{check.code}")
    if texts.fallbacks:
        if evaluation.conditions:
            keys = [f"disposition_headlines:{payload['triage']['disposition']}"]
            keys += [f"conditions:{condition.id}" for condition in evaluation.conditions]
        else:
            keys = [f"triage_headlines:{evaluation.level}"]
        keys += [f"red_flags:{reason['code']}" for reason in payload["triage"]["reasons"]]
        for item, (_, shown_signals) in zip(evaluation.ranked[:limit], causes, strict=True):
            keys.append(f"causes:{item.cause.id}")
            keys += [f"signals:{item.cause.id}.{signal_id}" for signal_id in shown_signals]
        keys += [f"tips:{tip['id']}" for tip in payload["tips"]]
        keys += [f"questions:{q['field']}" for q in payload["follow_up_questions"]]
        keys.append("disclaimer")
        fallen[:0] = [key for key in keys if key in texts.fallbacks]
    payload["fallback_items"] = fallen
    return payload


def reference_triage(evaluation: Evaluation, texts: LocaleTexts) -> dict[str, Any]:
    """The triage, step by step: disposition of the most severe flag, its level's reasons,
    and the conditions with the first one's first aid as the headline."""
    disposition = triage_disposition(evaluation.red_flags)
    conditions = [texts.conditions[condition.id] for condition in evaluation.conditions]
    headline = texts.headlines.get(evaluation.level, "")
    template = texts.disposition_headlines.get(disposition)  # type: ignore[call-overload]
    if conditions and template is not None:
        first = conditions[0]
        step = first["first_aid"][0] if first["first_aid"] else ""
        headline = template.replace("{title}", first["title"]).replace("{first_step}", step)
    return {
        "level": evaluation.level,
        "disposition": disposition,
        "headline": headline,
        "reasons": [
            {"code": flag.id, "message": texts.red_flags[flag.id]}
            for flag in evaluation.red_flags
            if LEVEL_OF_DISPOSITION[flag.disposition] == evaluation.level
        ],
        "conditions": conditions,
    }


def shown_tips(ruleset: CompiledRuleset, evaluation: Evaluation) -> list[CompiledTip]:
    """A suspected condition's care tips, else the tips ranked by relevance."""
    if not evaluation.conditions:
        return [tip for tip, _ in rank_tips(ruleset, evaluation.ranked, MAX_TIPS, evaluation)]
    fired = [flag.id for flag in evaluation.red_flags]
    tips = [ruleset.tips[index] for index in evaluation.conditions[0].tips]
    return [
        tip
        for tip in tips
        if not tip.is_hidden(evaluation.level, fired)
        and not any(activation(c.field, c.op, c.value)(evaluation.values) for c in tip.hidden_when)
    ][:MAX_TIPS]


def _cause(
    rank: int, item: ScoredCause, values: Mapping[str, Any], texts: LocaleTexts
) -> tuple[dict[str, Any], list[str]]:
    """One ranked cause as plain data, and the ids of the signals its evidence shows."""
    cause = item.cause
    evidence = []
    shown_signals = []
    for signal, contribution in item.evidence():
        weight = round(contribution * SHOWN_SCALE) / SHOWN_SCALE
        if weight:  # a contribution that rounds to 0 moved nothing a user can see
            shown_signals.append(signal.id)
            evidence.append(
                {
                    "field": signal.evidence_field,
                    "value": (shown := display_value(values.get(signal.evidence_field))),
                    "display_value": display_text(shown),
                    "effect": "raises" if signal.weight > 0 else "lowers",
                    "weight": weight,
                    "message": texts.signals[cause.id, signal.id],
                }
            )
    answer = {
        **texts.causes[cause.id],
        "rank": rank,
        "score": round(item.score * SHOWN_SCALE) / SHOWN_SCALE,
        "confidence": confidence(cause, values),
        "evidence": evidence,
        "counterfactuals": [],  # worked out only on request (explain)
    }
    return answer, shown_signals


def reference_actions(tip: CompiledTip, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A tip's actions for a workout, decided step by step from its rules."""
    out = []
    for action in tip.actions:
        if not all(activation(c.field, c.op, c.value)(values) for c in action.only_when):
            continue
        amount: float | None = None
        if action.has_amount:
            source = values.get(action.field) if action.field else None
            if source is not None:
                amount = float(source) * action.factor
                if action.over_duration:
                    amount = amount / values["derived.duration_h"]
            else:
                amount = action.default
            if amount is None:
                continue
            amount = round(amount / action.round_to) * action.round_to
            if action.low is not None:
                amount = max(amount, action.low)
            if action.high is not None:
                amount = min(amount, action.high)
            amount = int(amount) if float(action.round_to).is_integer() else round(amount, 3)
        out.append(
            {
                "kind": action.kind,
                "amount": amount,
                "unit": action.unit,
                "when": action.when,
                "offset_min": int(amount)
                if action.offset_is_amount and amount is not None
                else action.offset_min,
                "per_hour": action.per_hour,
            }
        )
    return out
