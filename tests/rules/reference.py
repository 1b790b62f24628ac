"""The oracle: a small interpreter of a version's plan (`app.rules.plan`), read as JSON.

From the plan and a context's flat values it works out every condition's activation, each
cause's logit, the red flags that fire, the ranking and the triage, which property tests hold
the generated evaluator to, float for float. Each operator's meaning is derived here again,
on purpose, not read from `app.rules.ops`; derived values are the plan's built-ins
(`app.rules.derived.add_derived`). The answer's shape is pinned by the recorded answers and
the response schema, not here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

from app.rules.derived import add_derived
from app.rules.fields import SECTION_FIELDS
from app.rules.plan import plan_json
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext

Plan = dict[str, Any]
Test = Callable[[Mapping[str, Any]], float]
DISPOSITIONS = (
    "self_care",
    "see_clinician_soon",
    "see_clinician_today",
    "emergency_department",
    "call_emergency_number",
)
LEVEL = dict(
    zip(DISPOSITIONS, ("self_care", "consult", "consult", "urgent", "urgent"), strict=True)
)


@cache
def plan_of(engine: AssessmentEngine, locale: str = "") -> Plan:
    """The engine's plan, through its JSON (so only what JSON carries reaches the oracle)."""
    plan: Plan = json.loads(plan_json(engine, locale or engine.bundle.default_locale))
    return plan


def read_context(context: WorkoutContext) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(given inputs by path plus the derived values, given inputs by section)."""
    values: dict[str, Any] = {}
    given: dict[str, dict[str, Any]] = {}
    for section, fields in SECTION_FIELDS:
        provided = {}
        for name, path in fields:
            value = getattr(getattr(context, section), name)
            if value is not None:
                provided[name] = values[path] = value
        if provided:
            given[section] = provided
    add_derived(values)
    return values, given


def flatten(context: WorkoutContext) -> dict[str, Any]:
    return read_context(context)[0]


def condition_test(field: str, op: str, value: Any) -> Test:
    """One closure per operator: 0.0 when the condition does not hold (a missing field never
    does), else 1.0, or a fraction for a ramp."""

    def holds(check: Callable[[Any], bool]) -> Test:
        return lambda flat: 1.0 if field in flat and check(flat[field]) else 0.0

    if op == "present":
        return lambda flat: 1.0 if field in flat else 0.0
    if op in ("true", "false"):
        return holds(lambda x: x is (op == "true"))
    if op in ("in", "contains_any"):
        wanted = set(value)
        if op == "in":
            return holds(lambda x: x in wanted)
        return holds(lambda x: any(item in wanted for item in x))
    simple: dict[str, Callable[[Any], bool]] = {
        "eq": lambda x: x == value,
        "contains": lambda x: value in x,
        "gte": lambda x: x >= value,
        "gt": lambda x: x > value,
        "lte": lambda x: x <= value,
        "lt": lambda x: x < value,
        "between": lambda x: value[0] <= x <= value[1],
    }
    if op in simple:
        return holds(simple[op])
    low, high = float(value[0]), float(value[1])
    span = high - low
    rising = op == "ramp_up"

    def ramp(flat: Mapping[str, Any]) -> float:
        x = flat.get(field)
        if x is None or (x <= low if rising else x >= high):
            return 0.0
        if x >= high if rising else x <= low:
            return 1.0
        return (x - low) / span if rising else (high - x) / span

    assert op in ("ramp_up", "ramp_down"), op
    return ramp


def activations(plan: Plan, values: Mapping[str, Any]) -> tuple[float, ...]:
    tests = [condition_test(c["field"], c["op"], c.get("value")) for c in plan["conditions"]]
    return tuple(test(values) for test in tests)


class Evaluation(NamedTuple):
    """What the plan makes of one context (cause ids as `AssessmentEngine.evaluate` gives)."""

    values: dict[str, Any]
    conditions: tuple[float, ...]
    logits: dict[str, float]
    contributions: dict[str, list[tuple[str, float]]]  # per cause: fired (signal, weight x act)
    red_flags: tuple[str, ...]  # fired, most severe first
    level: str
    disposition: str
    suspected: tuple[str, ...]  # medical conditions, most serious first
    ranked: tuple[str, ...]  # best first; gated causes only when raised; demoted last


def evaluate(plan: Plan, values: dict[str, Any]) -> Evaluation:
    acts = activations(plan, values)
    logits: dict[str, float] = {}
    contributions: dict[str, list[tuple[str, float]]] = {}
    for cause in plan["causes"]:
        logit = cause["prior"]
        fired = []
        for signal in cause["signals"]:
            activation = 1.0
            for position in signal["conditions"]:
                activation *= acts[position]  # 1.0 * x is x: the generated product exactly
            if any(acts[position] for position in signal["silencers"]):
                activation *= 0.0
            logit += signal["weight"] * activation
            if activation:
                fired.append((signal["id"], signal["weight"] * activation))
        logits[cause["id"]] = logit
        contributions[cause["id"]] = fired
    flags = [
        flag
        for flag in plan["red_flags"]
        if all(acts[p] for p in flag["when"]) and not any(acts[p] for p in flag["unless"])
    ]
    disposition = max(
        (f["disposition"] for f in flags), key=DISPOSITIONS.index, default="self_care"
    )
    level = LEVEL[disposition]
    suspected = suspected_conditions(plan, [f for f in flags if LEVEL[f["disposition"]] == level])
    ranked = rank(plan, logits, suspected)
    return Evaluation(
        values, acts, logits, contributions, tuple(f["id"] for f in flags), level,
        disposition, suspected, ranked,
    )  # fmt: skip


def suspected_conditions(plan: Plan, flags: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The conditions the flags name, by their worst flag's disposition then bundle order; a
    generic (fallback) condition only when no other is suspected."""
    worst: dict[str, int] = {}
    for flag in flags:
        if flag["condition"] is not None:
            severity = DISPOSITIONS.index(flag["disposition"])
            worst[flag["condition"]] = max(worst.get(flag["condition"], 0), severity)
    found = [
        (-worst[c["id"]], n, c)
        for n, c in enumerate(plan["medical_conditions"])
        if c["id"] in worst
    ]
    ordered = [c for *_, c in sorted(found, key=lambda item: item[:2])]
    specific = [c for c in ordered if not c["fallback"]]
    return tuple(c["id"] for c in specific or ordered)


def rank(plan: Plan, logits: Mapping[str, float], suspected: Sequence[str] = ()) -> tuple[str, ...]:
    """Best logit first; exact ties by base rate (most common first, causes without one
    last), then bundle order; a cause requiring evidence only when raised above its prior;
    the causes a suspected condition contradicts behind the others."""
    causes = plan["causes"]
    demoted = {
        causes[n]["id"]
        for c in plan["medical_conditions"]
        if c["id"] in suspected
        for n in c["demotes"]
    }

    def key(n: int) -> tuple[bool, float, bool, float, int]:
        rate = causes[n]["base_rate"]
        return (causes[n]["id"] in demoted, -logits[causes[n]["id"]], rate is None, -(rate or 0), n)

    kept = [
        n
        for n, cause in enumerate(causes)
        if not cause["requires_evidence"] or logits[cause["id"]] > cause["prior"]
    ]
    return tuple(causes[n]["id"] for n in sorted(kept, key=key))


def implausible(plan: Plan, values: Mapping[str, Any]) -> list[str]:
    """The codes of the plausibility checks the values trip, in the plan's order."""
    speeds = plan["plausibility"]["constants"]["max_plausible_speed_kmh"]
    builtins: dict[str, Callable[[Mapping[str, Any]], bool]] = {
        "average_above_maximum": lambda v: (
            v.get("activity.avg_heart_rate_bpm", -1.0)
            > v.get("activity.max_heart_rate_bpm", math.inf)
        ),
        "implausible_speed": lambda v: (
            "activity.distance_km" in v
            and v["activity.type"] in speeds
            and v["activity.distance_km"] / v["derived.duration_h"] > speeds[v["activity.type"]]
        ),
    }
    codes = []
    for check in plan["plausibility"]["checks"]:
        test = check["test"]
        if test is None:
            tripped = builtins[check["builtin"]](values)
        else:
            x = values.get(test["path"])
            tripped = x is not None and (
                x > test["limit"] if test["op"] == ">" else x < test["limit"]
            )
        if tripped:
            codes.append(check["code"])
    return codes
