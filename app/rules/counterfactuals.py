"""Counterfactuals: per cause, the smallest change of one controllable field that lowers its
score the most, found exactly from the compiled rules.

Candidate values of a field are the grid points (the field's natural step) around every
threshold of a condition on it, and, for a derived field, around the input value at which
the derived value crosses the threshold (derived values are monotone in each input, so a
bisection on the grid finds it). Every candidate is scored by the generated `score_inputs`,
the same conditions and logits an answer is made of: nothing here interprets a condition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.rules.compiler import CompiledRuleset
from app.rules.derived import add_derived
from app.rules.fields import KNOWN_FIELDS
from app.rules.ops import OPERATORS
from app.rules.scores import shown_score

MAX_PER_CAUSE = 3
UNLIKELY_BELOW = 0.2  # a score after below this reads "unlikely", else "less likely"
# A change that moves the shown score by less than two points is not worth a user's effort
# (and reads as advice all the same): it is not offered.
MIN_DROP = 0.02


@dataclass(frozen=True, slots=True)
class Controllable:
    """A field the user can change next time: its natural step and plausible range."""

    step: float
    low: float
    high: float
    unit: str
    # next time is still about this workout: at most this far from today's value
    within: float | None = None  # as a share of today's value
    # at most this much per hour of the session: drinking past about a litre an hour risks
    # low blood sodium, so no counterfactual may ask for more
    per_session_hour: float | None = None


CONTROLLABLE: dict[str, Controllable | None] = {
    # None: a yes/no field (its candidate is the other answer)
    "hydration.fluid_intake_ml": Controllable(50, 0, 4000, "ml", per_session_hour=1000),
    "hydration.electrolytes_taken": None,
    "nutrition.carbs_g_per_hour": Controllable(1, 0, 120, "g"),
    "nutrition.pre_workout_carbs_g": Controllable(1, 0, 300, "g"),
    "nutrition.hours_since_last_meal": Controllable(0.5, 0, 24, "h"),
    "nutrition.fasted": None,
    "preparation.warmup_min": Controllable(1, 0, 30, "min"),
    "preparation.cooldown_min": Controllable(1, 0, 30, "min"),
    "activity.intensity_rpe": Controllable(1, 0, 10, "", within=0.25),
    "activity.duration_min": Controllable(1, 10, 600, "min", within=0.25),
    "training.load_change_pct": Controllable(1, -50, 200, "%"),
    "athlete.sleep_hours": Controllable(0.5, 3, 12, "h"),
}
"""Never the environment, age, health, symptoms or the kind of activity."""

ADVICE_OF_MORE: dict[str, str] = {
    "hydration.fluid_intake_ml": "drink",
    "hydration.electrolytes_taken": "electrolytes",
    "nutrition.carbs_g_per_hour": "eat",
    "nutrition.pre_workout_carbs_g": "eat",
    "preparation.warmup_min": "warm_up",
    "preparation.cooldown_min": "cool_down",
}
"""The action kind whose advice a counterfactual that raises the field (or turns it on) gives:
where the content contraindicates the tips with that action (say, drinking after drinking
more than was sweated), no counterfactual may give it either."""

Scorer = Callable[[Mapping[str, Any]], list[float]]


class CounterfactualFinder:
    """The candidate plan of one compiled ruleset, made once per version."""

    def __init__(self, ruleset: CompiledRuleset, score: Scorer) -> None:
        self._score = score
        # field -> (derived field or None for the field itself, thresholds)
        plan: dict[str, list[tuple[str | None, float | None]]] = {}
        for cause in ruleset.causes:
            for signal in cause.signals:
                for condition in (*signal.conditions, *signal.silenced_when):
                    spec = KNOWN_FIELDS[condition.field]
                    for field in CONTROLLABLE:
                        if condition.field == field:
                            for number in OPERATORS[condition.op].thresholds(condition.value):
                                plan.setdefault(field, []).append((None, number))
                        elif not spec.is_input and field in spec.inputs:
                            thresholds: list[float | None] = [
                                *OPERATORS[condition.op].thresholds(condition.value)
                            ]
                            for threshold in thresholds or [None]:
                                plan.setdefault(field, []).append((condition.field, threshold))
        self._plan = {field: list(dict.fromkeys(items)) for field, items in plan.items()}

    def find(
        self, values: Mapping[str, Any], withheld: frozenset[str] = frozenset()
    ) -> dict[int, list[tuple[str, Any, Any, float]]]:
        """Per cause index: up to 3 (field, from, to, logit after), best first; none that
        raises a field whose advice (`ADVICE_OF_MORE`) is of a `withheld` action kind."""
        inputs = {key: value for key, value in values.items() if not key.startswith("derived.")}
        base = self._score(inputs)
        best: dict[int, list[tuple[float, float, str, Any, Any, float]]] = {}
        for field in sorted(CONTROLLABLE):
            current = inputs.get(field)
            if current is None:
                continue  # only a field the user told us about
            candidates = self._candidates(field, current, inputs)
            if ADVICE_OF_MORE.get(field) in withheld:
                candidates = [c for c in candidates if float(c) < float(current)]
            per_cause: dict[int, tuple[float, float, Any, float]] = {}
            bounds = CONTROLLABLE[field]
            for candidate in candidates:
                logits = self._score({**inputs, field: candidate})
                change = (
                    1.0 if bounds is None else abs(float(candidate) - float(current)) / bounds.step
                )
                for index, logit in enumerate(logits):
                    # only a drop an answer shows counts (scores have 3 decimals)
                    drop = shown_score(base[index]) - shown_score(logit)
                    if drop < MIN_DROP:
                        continue
                    kept = per_cause.get(index)
                    key = (-drop, change)
                    if kept is None or key < (-kept[0], kept[1]):
                        per_cause[index] = (drop, change, candidate, logit)
            for index, (drop, change, candidate, logit) in per_cause.items():
                best.setdefault(index, []).append((-drop, change, field, current, candidate, logit))
        return {
            index: [(f, c, t, logit) for _, _, f, c, t, logit in sorted(found)[:MAX_PER_CAUSE]]
            for index, found in best.items()
        }

    def _candidates(self, field: str, current: Any, inputs: Mapping[str, Any]) -> list[Any]:
        bounds = CONTROLLABLE[field]
        if bounds is None:
            return [not current] if isinstance(current, bool) else []
        points: set[float] = set()
        step = bounds.step
        low, high = bounds.low, bounds.high
        if bounds.within is not None:
            low = max(low, float(current) * (1 - bounds.within))
            high = min(high, float(current) * (1 + bounds.within))
        duration_min = inputs.get("activity.duration_min")
        if bounds.per_session_hour is not None and isinstance(duration_min, int | float):
            high = min(high, bounds.per_session_hour * float(duration_min) / 60.0)
        lo_k = math.ceil(low / step)
        hi_k = math.floor(high / step)
        for derived, threshold in self._plan.get(field, []):
            if derived is None:
                assert threshold is not None
                centre = [math.floor(threshold / step), math.ceil(threshold / step)]
            else:
                centre = self._crossings(field, derived, threshold, inputs, lo_k, hi_k, step)
            for k in centre:
                for near in (k - 1, k, k + 1):
                    if lo_k <= near <= hi_k:
                        points.add(near * step)
        return sorted(p for p in points if p != current)

    @staticmethod
    def _crossings(
        field: str,
        derived: str,
        threshold: float | None,
        inputs: Mapping[str, Any],
        lo_k: int,
        hi_k: int,
        step: float,
    ) -> list[int]:
        """Grid indexes where the derived value crosses the threshold (>= and >), by bisection:
        the derived value is monotone in each of its inputs."""

        def derived_at(k: int) -> Any:
            values = {**inputs, field: k * step}
            add_derived(values)
            return values.get(derived)

        tests: list[Callable[[Any], bool]]
        if threshold is None:
            tests = [lambda v: v is True]
        else:
            t = threshold
            tests = [lambda v: v is not None and v >= t, lambda v: v is not None and v > t]
        found: list[int] = []
        for test in tests:
            low_holds, high_holds = test(derived_at(lo_k)), test(derived_at(hi_k))
            if low_holds == high_holds:
                continue
            lo, hi = lo_k, hi_k  # test(lo) == low_holds, test(hi) == high_holds
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if test(derived_at(mid)) == low_holds:
                    lo = mid
                else:
                    hi = mid
            found += [lo, hi]
        return found


def describe(
    field: str,
    before: Any,
    after: Any,
    score_after: float,
    cause_title: str,
    texts: Mapping[str, str],
) -> str | None:
    """The counterfactual in words, or None when the content has no text for the field."""
    bounds = CONTROLLABLE[field]
    if bounds is None:
        key = f"{field}:{'true' if after else 'false'}"
        amount = ""
    else:
        key = f"{field}:{'more' if after > before else 'less'}"
        diff = abs(float(after) - float(before))
        amount = str(int(diff)) if diff.is_integer() else f"{diff:g}"
    change = texts.get(key)
    frame = texts.get("unlikely" if score_after < UNLIKELY_BELOW else "less_likely")
    if change is None or frame is None:
        return None
    change = change.replace("{amount}", amount).replace("{unit}", bounds.unit if bounds else "")
    cause = cause_title[:1].lower() + cause_title[1:] if cause_title else cause_title
    return frame.replace("{change}", change).replace("{cause}", cause)


def as_number(value: Any) -> Any:
    """A value as answers show it: 900 rather than 900.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
