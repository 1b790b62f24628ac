"""Evaluate a compiled ruleset against one workout context: triage, ranking, tips, questions.

Pure functions over immutable inputs, so the same context and content version always give the
same answer. The context is flattened once into a path -> value map (inputs and derived
values); every signal then costs a dict lookup and a comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, overload

from app.rules.bundle import TriageLevel
from app.rules.codegen import Explainer, Fired, shown_weight
from app.rules.compiler import (
    CompiledCause,
    CompiledRedFlag,
    CompiledRuleset,
    CompiledSignal,
    CompiledTip,
)
from app.rules.derived import FieldValue, add_derived
from app.rules.fields import SECTION_FIELDS
from app.rules.schemas import Confidence
from app.rules.triage import fired_red_flags, triage_level
from app.workout.context import WorkoutContext

TOP_CAUSES_CONSIDERED = 3  # tips and follow-up questions serve the causes a user reads first
HIGH_CONFIDENCE_SHARE = 0.6
MEDIUM_CONFIDENCE_SHARE = 0.3
_SECTION_PATHS: tuple[tuple[str, dict[str, str]], ...] = tuple(
    (section, dict(fields)) for section, fields in SECTION_FIELDS
)


class ScoredCause:
    """One cause's result. Its fired signals are worked out when first asked for: a request
    ranks every cause but explains only the few it shows."""

    __slots__ = ("_explain", "_fired", "_values", "cause", "logit")

    def __init__(
        self,
        cause: CompiledCause,
        logit: float,
        values: dict[str, FieldValue],
        explain: Explainer | None = None,
        fired: list[Fired] | None = None,
    ) -> None:
        self.cause = cause
        self.logit = logit  # ranks causes: unlike the score it never saturates into ties
        self._values = values
        self._explain = explain
        self._fired = fired

    @property
    def fired(self) -> list[Fired]:
        """The fired signals (see `Fired`), in rule order."""
        if self._fired is None:
            assert self._explain is not None, "a cause is built with an explainer or its signals"
            self._fired = self._explain(self._values)
        return self._fired

    @property
    def score(self) -> float:
        """The logit squashed into [0, 1]."""
        return sigmoid(self.logit)

    def evidence(self) -> list[tuple[CompiledSignal, float]]:
        """Fired signals, strongest contribution first (rule order among equals)."""
        signals = self.cause.signals
        return [(signals[fired[1]], fired[2]) for fired in sorted(self.fired)]


class Ranking(Sequence[ScoredCause]):
    """Every cause, best first (bundle order on ties), each built only when read: a ruleset
    of 80 causes is ranked in full on every request, but an answer reads about five."""

    __slots__ = ("_built", "_explainers", "_fired", "_logits", "_order", "_values", "causes")

    def __init__(
        self,
        ruleset: CompiledRuleset,
        logits: list[float],
        values: dict[str, FieldValue],
        fired: Sequence[list[Fired]] | None = None,
    ) -> None:
        self.causes = ruleset.causes
        self._explainers = ruleset.explainers
        self._logits = logits
        self._values = values
        self._fired = fired
        # `reverse` keeps equal logits in their original (bundle) order: the tie-break.
        self._order = sorted(range(len(logits)), key=logits.__getitem__, reverse=True)
        self._built: dict[int, ScoredCause] = {}

    def _item(self, index: int) -> ScoredCause:
        item = self._built.get(index)
        if item is None:
            fired = None if self._fired is None else self._fired[index]
            item = self._built[index] = ScoredCause(
                self.causes[index],
                self._logits[index],
                self._values,
                self._explainers[index],
                fired,
            )
        return item

    @overload
    def __getitem__(self, rank: int) -> ScoredCause: ...

    @overload
    def __getitem__(self, rank: slice) -> list[ScoredCause]: ...

    def __getitem__(self, rank: int | slice) -> ScoredCause | list[ScoredCause]:
        if isinstance(rank, slice):
            return [self._item(index) for index in self._order[rank]]
        return self._item(self._order[rank])

    def __iter__(self) -> Iterator[ScoredCause]:
        return (self._item(index) for index in self._order)

    def __len__(self) -> int:
        return len(self._order)


class Evaluation(NamedTuple):
    """Everything decided about one context before any text is chosen."""

    values: dict[str, FieldValue]  # the flattened context: provided inputs and derived values
    level: TriageLevel
    red_flags: tuple[CompiledRedFlag, ...]  # fired, most severe first
    ranked: Ranking  # rank 1 first
    given: dict[str, dict[str, Any]]  # the provided inputs by section (SI units), as echoed


def read_context(context: WorkoutContext) -> tuple[dict[str, FieldValue], dict[str, Any]]:
    """(provided input fields by path plus the derived values, provided fields by section).

    Alternative-unit fields never appear: validation converted them and cleared them. The
    request path reads the context inside the generated `evaluate_context`, unrolled; this
    loop is what that code does.
    """
    values: dict[str, FieldValue] = {}
    given: dict[str, dict[str, Any]] = {}
    for section, paths in _SECTION_PATHS:
        fields = getattr(context, section).__dict__
        provided: dict[str, Any] = {}
        for name, path in paths.items():
            value = fields[name]
            if value is not None:
                provided[name] = values[path] = value
        if provided:
            given[section] = provided
    add_derived(values)
    return values, given


def flatten(context: WorkoutContext) -> dict[str, FieldValue]:
    """Provided input fields by path (missing ones absent), plus the derived values."""
    return read_context(context)[0]


def sigmoid(logit: float) -> float:
    """A logit squashed into [0, 1] (the cause writers inline the same operations)."""
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    exp = math.exp(logit)  # this side cannot overflow for very negative logits
    return exp / (1.0 + exp)


def evaluate(ruleset: CompiledRuleset, context: WorkoutContext) -> Evaluation:
    """Triage, then score every cause and rank them (ties keep bundle order)."""
    values, given, logits, _, fired, _, _ = ruleset.evaluate_context(context)
    red_flags = tuple(fired)
    ranked = Ranking(ruleset, logits, values)
    return Evaluation(values, triage_level(red_flags), red_flags, ranked, given)


def evaluate_reference(ruleset: CompiledRuleset, context: WorkoutContext) -> Evaluation:
    """The same evaluation through the per-condition closures: slower, obviously correct,
    and the oracle the generated code is tested against."""
    values, given = read_context(context)
    red_flags = fired_red_flags(ruleset.red_flags, values)
    logits: list[float] = []
    fired: list[list[Fired]] = []
    for cause in ruleset.causes:
        logit = cause.prior
        fired_signals: list[Fired] = []
        for index, signal in enumerate(cause.signals):
            activation = signal.activation(values)
            if activation:
                contribution = signal.weight * activation
                logit += contribution
                shown = shown_weight(contribution)
                fired_signals.append((-abs(contribution), index, contribution, shown))
        logits.append(logit)
        fired.append(fired_signals)
    ranked = Ranking(ruleset, logits, values, fired)
    return Evaluation(values, triage_level(red_flags), red_flags, ranked, given)


def confidence(cause: CompiledCause, values: dict[str, FieldValue]) -> Confidence:
    """How much of what the cause's rules look at was actually provided."""
    if not cause.input_fields:
        return "low"
    provided = sum(map(values.__contains__, cause.input_fields))
    share = provided / len(cause.input_fields)
    if share >= HIGH_CONFIDENCE_SHARE:
        return "high"
    return "medium" if share >= MEDIUM_CONFIDENCE_SHARE else "low"


def rank_tips(
    ruleset: CompiledRuleset, ranked: Sequence[ScoredCause], limit: int
) -> list[tuple[CompiledTip, float]]:
    """Tips by the summed score of the top causes they address (bundle order on ties)."""
    relevance: dict[int, float] = {}
    for item in ranked[:TOP_CAUSES_CONSIDERED]:
        score = item.score
        for index in ruleset.tips_by_cause[item.cause.id]:
            relevance[index] = relevance.get(index, 0.0) + score
    best = sorted(relevance)  # bundle order, kept among equals by the stable sort below
    best.sort(key=relevance.__getitem__, reverse=True)
    return [(ruleset.tips[index], relevance[index]) for index in best[:limit]]


def follow_up_fields(
    question_fields: Sequence[str], evaluation: Evaluation, limit: int
) -> list[str]:
    """Missing inputs whose answer could most change the top causes, largest stake first.

    A field's stake is the largest |weight| of a signal reading it, summed over the top causes.
    """
    values = evaluation.values
    stakes: dict[str, float] = {}
    for item in evaluation.ranked[:TOP_CAUSES_CONSIDERED]:
        for field, weight in item.cause.input_weights:
            if field not in values:
                stakes[field] = stakes.get(field, 0.0) + weight
    ordered = [field for field in question_fields if field in stakes]  # bundle order on ties
    ordered.sort(key=lambda field: -stakes[field])
    return ordered[:limit]
