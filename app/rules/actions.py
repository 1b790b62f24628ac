"""The actions a tip schedules, worked out from one workout's values.

The rules are content data (tips.yaml `actions`), checked by the compiler; their conditions
(`only_when`) are tested by the generated evaluator with every other condition, so this
module only reads results and does arithmetic: it interprets no condition itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.rules.compiler import CompiledAction

PlannedAction = tuple[CompiledAction, tuple[int, ...], dict[str, Any]]
"""An action rule, where the evaluator leaves the results of its `only_when` conditions, and
its `template`."""


def _rounded(value: float, step: float) -> float | int:
    """`value` to the nearest multiple of `step`; an int when the step is whole (500 ml,
    not 500.0)."""
    multiple = round(value / step) * step
    if float(step).is_integer():
        return int(multiple)
    return round(multiple, 3)


def amount_of(action: CompiledAction, values: Mapping[str, Any]) -> float | int | None:
    """The action's amount for this workout, or None when it has none to give."""
    raw: float | None = None
    if action.field is not None:
        found = values.get(action.field)
        if found is not None:
            raw = float(found) * action.factor
            if action.over_duration:
                raw /= values["derived.duration_h"]
    if raw is None:
        raw = action.default
    if raw is None:
        return None
    amount = _rounded(raw, action.round_to)
    if action.low is not None and amount < action.low:
        amount = _whole(action.low)
    if action.high is not None and amount > action.high:
        amount = _whole(action.high)
    return amount


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def template(action: CompiledAction) -> dict[str, Any]:
    """The action as an answer shows it, its amount not yet worked out: copied per answer
    when it has an amount, shared as it is when it has none (nothing may change it)."""
    return {
        "kind": action.kind,
        "amount": None,
        "unit": action.unit,
        "when": action.when,
        "offset_min": action.offset_min,
        "per_hour": action.per_hour,
    }


def schedule(
    planned: Sequence[PlannedAction], values: Mapping[str, Any], conditions: Sequence[float]
) -> list[dict[str, Any]]:
    """The tip's actions for this workout, in content order: those whose conditions all hold
    and that have an amount when their rule gives one."""
    out: list[dict[str, Any]] = []
    for action, positions, shown in planned:
        if positions and not all(conditions[position] for position in positions):
            continue
        if not action.has_amount:
            out.append(shown)
            continue
        amount = amount_of(action, values)
        if amount is None:
            continue  # the workout says too little to size it: nothing to schedule
        item = shown.copy()
        item["amount"] = amount
        if action.offset_is_amount:
            item["offset_min"] = int(amount)
        out.append(item)
    return out
