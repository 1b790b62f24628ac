"""Write the causes an answer shows, with the evidence that moved each, from data.

For each cause and locale, what never changes is prepared once (`CauseWriter`): the texts,
each signal's conditions as positions in the evaluator's results, and an evidence item that
is whole when a plain test already says what it shows. A request then walks the signals of
the causes it shows: it tests nothing again (a signal's activation is the product of its
conditions' results, as the evaluator left them) and copies only the items it fills in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.rules.compiler import CompiledCause, CompiledSignal, condition_key
from app.rules.fields import KNOWN_FIELDS, FieldKind
from app.rules.ops import OPERATORS

SHOWN_SCALE = 1000.0  # answers show contributions and scores to 3 decimals
EVIDENCE_DECIMALS = 2  # a cited value is shown to 2 decimals, 31 rather than 31.0
CONFIDENCE_HIGH = 0.6  # share of what a cause reads that the request gave, for "high"
CONFIDENCE_MEDIUM = 0.3  # and for "medium"
_VALUE_SCALE = 10.0**EVIDENCE_DECIMALS
Shown = Callable[[Any], tuple[Any, str]]
"""A field's value -> (the value as answers show it, the same as a short text)."""
PlainStep = tuple[int, int, float, dict[str, Any] | None, float, dict[str, Any], str, Shown]
"""A signal of one plain test: (its index, the test's position, its strength, its whole item
or None, its shown weight, its item's template, field, how the field is shown)."""
GradedStep = tuple[int, int, tuple[int, ...], float, dict[str, Any], str, Shown]
"""Any other signal: (its index, its first condition's position, the other conditions'
positions (silencers negated), weight, its item's template, field, how the field is shown)."""


def shown_number(value: Any) -> tuple[Any, str]:
    """31 rather than 31.0, and 2 decimals at most."""
    if value.__class__ is float:
        if value.is_integer():
            value = int(value)
        else:
            value = round(value * _VALUE_SCALE) / _VALUE_SCALE
            if value.is_integer():
                value = int(value)
    return value, "" if value is None else str(value)


def shown_choice(value: Any) -> tuple[Any, str]:
    if value is None:
        return None, ""
    text = str(value)
    return text, text


def shown_list(value: Any) -> tuple[Any, str]:
    if value is None:
        return None, ""
    items = [str(item) for item in value]
    return items, ", ".join(items)


def shown_bool(value: Any) -> tuple[Any, str]:
    return value, "" if value is None else "true" if value else "false"


SHOWN_BY_KIND: dict[FieldKind, Shown] = {
    FieldKind.NUMBER: shown_number,
    FieldKind.ENUM: shown_choice,
    FieldKind.LIST: shown_list,
    FieldKind.BOOL: shown_bool,
}


def evidence_item(
    field: str, value: bool | None, effect: str, weight: float | None, message: str
) -> dict[str, Any]:
    """An evidence item whose value is known (true or false), or the template a request
    copies and fills in (None)."""
    display = "" if value is None else "true" if value else "false"
    return {
        "field": field,
        "value": value,
        "display_value": display,
        "effect": effect,
        "weight": weight,
        "message": message,
    }


def known_value(signal: CompiledSignal) -> bool | None:
    """The value an item shows when its one plain test already says what it is: a `true` or
    `false` test of the very field it cites."""
    (condition,) = signal.conditions
    if condition.field == signal.evidence_field and condition.op in ("true", "false"):
        return condition.op == "true"
    return None


def is_plain(signal: CompiledSignal) -> bool:
    """One condition that holds or not, nothing silencing it: the contribution is the weight."""
    return (
        len(signal.conditions) == 1
        and not signal.silenced_when
        and not OPERATORS[signal.conditions[0].op].graded
    )


class CauseWriter:
    """Writes one cause of an answer in one locale; made once per version."""

    __slots__ = (
        "_fallen_cause",
        "_fallen_signals",
        "_graded",
        "_inputs",
        "_mask",
        "_plain",
        "_template",
    )

    def __init__(
        self,
        cause: CompiledCause,
        heading: Mapping[str, str],
        messages: Sequence[str],
        positions: Mapping[str, int],
        bits: Mapping[str, int],
        fallen_cause: str | None = None,
        fallen_signals: Sequence[str | None] = (),
    ) -> None:
        plain: list[PlainStep] = []
        graded: list[GradedStep] = []
        for index, signal in enumerate(cause.signals):
            _add_step(plain, graded, index, signal, messages[index], positions)
        self._plain = tuple(plain)
        self._graded = tuple(graded)
        self._fallen_cause = fallen_cause
        self._fallen_signals = tuple(fallen_signals) if any(fallen_signals) else None
        mask = 0
        for path in cause.input_fields:
            mask |= bits[path]
        self._mask = mask
        self._inputs = len(cause.input_fields)
        # shared and empty counterfactuals: they are worked out on request (the answer
        # builder replaces the list then, never changes it)
        self._template: dict[str, Any] = {
            **heading,
            "rank": None,
            "score": None,
            "confidence": None,
            "evidence": None,
            "counterfactuals": [],
        }

    def __call__(
        self,
        values: Mapping[str, Any],
        conditions: Sequence[float],
        present: int,
        rank: int,
        score: float,
        fallen: list[str],
    ) -> dict[str, Any]:
        """The cause at `rank` with `score`; evidence items are the fired signals, strongest
        first (signal order among equals); a contribution that rounds to 0 is left out."""
        fired = []
        for index, first, strength, whole, rounded, template, field, shown in self._plain:
            if not conditions[first]:
                continue
            if whole is not None:
                fired.append((strength, index, whole))
                continue
            item = template.copy()
            item["value"], item["display_value"] = shown(values.get(field))
            item["weight"] = rounded
            fired.append((strength, index, item))
        for index, first, rest, weight, template, field, shown in self._graded:
            activation = conditions[first]
            if not activation:
                continue
            for position in rest:
                if position < 0:  # a silencer: holding, it cancels the signal
                    if conditions[~position]:
                        activation = 0.0
                        break
                else:
                    activation *= conditions[position]
            contribution = weight * activation
            rounded = round(contribution * SHOWN_SCALE) / SHOWN_SCALE
            if not rounded:
                continue
            item = template.copy()
            item["value"], item["display_value"] = shown(values.get(field))
            item["weight"] = rounded
            fired.append((-abs(contribution), index, item))
        fired.sort()  # (strength, index) never tie: the items are not compared
        if self._fallen_cause is not None:
            fallen.append(self._fallen_cause)
        if self._fallen_signals is not None:
            keys = self._fallen_signals
            fallen += [keys[entry[1]] for entry in fired if keys[entry[1]] is not None]  # type: ignore[misc]
        cause = self._template.copy()
        cause["rank"] = rank
        cause["score"] = round(score * SHOWN_SCALE) / SHOWN_SCALE
        cause["confidence"] = self._confidence(present)
        cause["evidence"] = [entry[2] for entry in fired]
        return cause

    def _confidence(self, present: int) -> str:
        """How much of what the cause reads the request gave."""
        if not self._inputs:
            return "low"
        share = (present & self._mask).bit_count() / self._inputs
        return (
            "high"
            if share >= CONFIDENCE_HIGH
            else "medium"
            if share >= CONFIDENCE_MEDIUM
            else "low"
        )


def _add_step(
    plain: list[PlainStep],
    graded: list[GradedStep],
    index: int,
    signal: CompiledSignal,
    message: str,
    positions: Mapping[str, int],
) -> None:
    """Put the signal, ready to walk, among the plain or the graded steps; leave out one that
    can never show (its weight rounds to 0)."""
    weight = signal.weight
    effect = "raises" if weight > 0 else "lowers"
    field = signal.evidence_field
    first, *rest = (positions[condition_key(c)] for c in signal.conditions)
    # a silencer is stored negated (~position), so one tuple walks both kinds
    rest += [~positions[condition_key(c)] for c in signal.silenced_when]
    shown = SHOWN_BY_KIND[KNOWN_FIELDS[field].kind]
    template = evidence_item(field, None, effect, None, message)
    if not is_plain(signal):
        graded.append((index, first, tuple(rest), weight, template, field, shown))
        return
    rounded = round(weight * SHOWN_SCALE) / SHOWN_SCALE
    if not rounded:
        return
    known = known_value(signal)
    # the whole item is fixed when the test says what it shows: shared between answers
    whole = None if known is None else evidence_item(field, known, effect, rounded, message)
    plain.append((index, first, -abs(weight), whole, rounded, template, field, shown))
