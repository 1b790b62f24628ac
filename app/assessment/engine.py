"""Evaluate a compiled ruleset against one workout context: triage, ranking, tips, questions.

Pure functions over immutable inputs, so the same context and content version always give the
same answer. The context is flattened once into a path -> value map (inputs and derived
values); every signal then costs a dict lookup and a comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from app.assessment.compiler import (
    CompiledCause,
    CompiledRedFlag,
    CompiledRuleset,
    CompiledSignal,
    CompiledTip,
)
from app.assessment.context import WorkoutContext
from app.assessment.derived import FieldValue, add_derived
from app.assessment.fields import SECTION_FIELDS
from app.assessment.schemas import Confidence
from app.assessment.triage import fired_red_flags, triage_level
from app.content.bundle import TriageLevel

TOP_CAUSES_CONSIDERED = 3  # tips and follow-up questions serve the causes a user reads first
HIGH_CONFIDENCE_SHARE = 0.6
MEDIUM_CONFIDENCE_SHARE = 0.3


class ScoredCause(NamedTuple):
    """One cause's result (a NamedTuple: built for every cause on every request, so cheap)."""

    cause: CompiledCause
    logit: float  # ranks causes: unlike the score it never saturates into ties
    fired: list[tuple[CompiledSignal, float]]  # (signal, contribution), in rule order

    @property
    def score(self) -> float:
        """The logit squashed into [0, 1]; computed only for the causes that are shown."""
        return _sigmoid(self.logit)

    def evidence(self) -> list[tuple[CompiledSignal, float]]:
        """Fired signals, strongest contribution first (rule order among equals)."""
        return sorted(self.fired, key=lambda item: -abs(item[1]))


class Evaluation(NamedTuple):
    """Everything decided about one context before any text is chosen."""

    values: dict[str, FieldValue]  # the flattened context: provided inputs and derived values
    level: TriageLevel
    red_flags: tuple[CompiledRedFlag, ...]  # fired, most severe first
    ranked: tuple[ScoredCause, ...]  # rank 1 first


def flatten(context: WorkoutContext) -> dict[str, FieldValue]:
    """Provided input fields by path (missing ones absent), plus the derived values."""
    values: dict[str, FieldValue] = {}
    for section, fields in SECTION_FIELDS:
        provided = getattr(context, section).__dict__
        for name, path in fields:
            value = provided[name]
            if value is not None:
                values[path] = value
    add_derived(values)
    return values


def _sigmoid(logit: float) -> float:
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    exp = math.exp(logit)  # this side cannot overflow for very negative logits
    return exp / (1.0 + exp)


def evaluate(ruleset: CompiledRuleset, context: WorkoutContext) -> Evaluation:
    """Triage, then score every cause and rank them (ties keep bundle order)."""
    values = flatten(context)
    red_flags = tuple(ruleset.check_flags(values))
    logits, fired = ruleset.score(values)
    scored = [
        ScoredCause(cause, logit, signals)
        for cause, logit, signals in zip(ruleset.causes, logits, fired, strict=True)
    ]
    ranked = sorted(scored, key=lambda item: -item.logit)  # stable: bundle order on ties
    return Evaluation(values, triage_level(red_flags), red_flags, tuple(ranked))


def evaluate_reference(ruleset: CompiledRuleset, context: WorkoutContext) -> Evaluation:
    """The same evaluation through the per-condition closures: slower, obviously correct,
    and the oracle the generated code is tested against."""
    values = flatten(context)
    red_flags = fired_red_flags(ruleset.red_flags, values)
    scored: list[ScoredCause] = []
    for cause in ruleset.causes:
        logit = cause.prior
        fired_signals: list[tuple[CompiledSignal, float]] = []
        for signal in cause.signals:
            activation = signal.activation(values)
            if activation:
                contribution = signal.weight * activation
                logit += contribution
                fired_signals.append((signal, contribution))
        scored.append(ScoredCause(cause, logit, fired_signals))
    ranked = sorted(scored, key=lambda item: -item.logit)
    return Evaluation(values, triage_level(red_flags), red_flags, tuple(ranked))


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
    best = sorted(relevance, key=lambda index: (-relevance[index], index))[:limit]
    return [(ruleset.tips[index], relevance[index]) for index in best]


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
