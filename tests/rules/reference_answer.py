"""The answer's choices, worked out from the plan and the interpreter's evaluation
(`tests.rules.reference`): scores, evidence, confidence, tips and follow-up questions, for
tests that check what an answer shows rather than its shape (the recorded answers and the
response schema pin that)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tests.rules.reference import Evaluation, Plan


def sigmoid(logit: float) -> float:
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    return math.exp(logit) / (1.0 + math.exp(logit))


def evidence(plan: Plan, evaluation: Evaluation, cause_id: str) -> list[tuple[str, float]]:
    """(signal id, shown weight) of a cause's evidence: strongest first, signal order among
    equals, none whose contribution rounds to 0."""
    scale = plan["limits"]["shown_scale"]
    fired = evaluation.contributions[cause_id]
    order = sorted(range(len(fired)), key=lambda n: (-abs(fired[n][1]), n))
    shown = [(fired[n][0], round(fired[n][1] * scale) / scale) for n in order]
    return [(signal, weight) for signal, weight in shown if weight]


def confidence(plan: Plan, cause_id: str, values: Mapping[str, Any]) -> str:
    cause = next(c for c in plan["causes"] if c["id"] == cause_id)
    if not cause["input_fields"]:
        return "low"
    share = sum(field in values for field in cause["input_fields"]) / len(cause["input_fields"])
    limits = plan["limits"]
    return (
        "high"
        if share >= limits["confidence_high"]
        else "medium"
        if share >= limits["confidence_medium"]
        else "low"
    )


def hidden_tips(plan: Plan, evaluation: Evaluation) -> set[str]:
    """The tips a contraindication leaves out: the triage level, a fired flag, a condition."""
    fired = set(evaluation.red_flags)
    return {
        tip["id"]
        for tip in plan["tips"]
        if evaluation.level in tip["hidden_at"]
        or fired & set(tip["hidden_by"])
        or any(evaluation.conditions[p] for p in tip["hidden_when"])
    }


def rank_tips(
    plan: Plan, ranked: Sequence[str], logits: Mapping[str, float], hidden: set[str]
) -> list[tuple[str, float]]:
    """(tip id, relevance): the summed scores of the top causes a tip addresses, best first,
    bundle order among equals."""
    top = ranked[: plan["limits"]["top_causes_considered"]]
    relevance: dict[int, float] = {}
    for cause_id in top:
        for n, tip in enumerate(plan["tips"]):
            if cause_id in tip["addresses"] and tip["id"] not in hidden:
                relevance[n] = relevance.get(n, 0.0) + sigmoid(logits[cause_id])
    best = sorted(relevance, key=lambda n: (-relevance[n], n))
    return [(plan["tips"][n]["id"], relevance[n]) for n in best]


def shown_tips(plan: Plan, evaluation: Evaluation) -> list[str]:
    """A suspected condition's care tips, else the tips ranked by relevance."""
    hidden = hidden_tips(plan, evaluation)
    if evaluation.suspected:
        first = next(c for c in plan["medical_conditions"] if c["id"] == evaluation.suspected[0])
        tips = [plan["tips"][n]["id"] for n in first["tips"]]
        shown = [tip for tip in tips if tip not in hidden]
    else:
        shown = [tip for tip, _ in rank_tips(plan, evaluation.ranked, evaluation.logits, hidden)]
    return shown[: plan["limits"]["max_tips"]]


def follow_ups(plan: Plan, evaluation: Evaluation, limit: int) -> list[str]:
    """Missing inputs with the most at stake for the top causes, largest stake first."""
    values = evaluation.values
    questions = {q["field"]: q for q in plan["questions"]}
    causes = {c["id"]: c for c in plan["causes"]}
    stakes: dict[str, float] = {}
    for cause_id in evaluation.ranked[: plan["limits"]["top_causes_considered"]]:
        for item in causes[cause_id]["input_weights"]:
            question = questions.get(item["field"])
            if question is None or item["field"] in values:
                continue
            if not question["activities"] or values["activity.type"] in question["activities"]:
                stakes[item["field"]] = stakes.get(item["field"], 0.0) + item["weight"]
    ordered = sorted(stakes, key=lambda f: (-stakes[f], list(questions).index(f)))
    return ordered[:limit]


def shown_value(value: Any) -> tuple[Any, str]:
    """An evidence value as answers show it (31 rather than 31.0, 2 decimals), and as text."""
    if isinstance(value, float):
        value = round(value * 100.0) / 100.0 if not value.is_integer() else value
        value = int(value) if value.is_integer() else value
    elif isinstance(value, str | list) and not isinstance(value, bool):
        value = str(value) if isinstance(value, str) else [str(item) for item in value]
    text = "" if value is None else ", ".join(value) if isinstance(value, list) else str(value)
    return value, "true" if value is True else "false" if value is False else text


def actions(plan: Plan, evaluation: Evaluation, tip_id: str) -> list[dict[str, Any]]:
    """A tip's actions for the workout: those whose conditions hold, sized by their rules."""
    values = evaluation.values
    out = []
    for action in next(tip for tip in plan["tips"] if tip["id"] == tip_id)["actions"]:
        if not all(evaluation.conditions[p] for p in action["only_when"]):
            continue
        amount, rule = None, action["amount"]
        if rule is not None:
            source = values.get(rule["field"]) if rule["field"] else None
            amount = rule["default"] if source is None else float(source) * rule["factor"]
            if source is not None and rule["over_duration"]:
                amount /= values["derived.duration_h"]
            if amount is None:
                continue
            amount = round(amount / rule["round_to"]) * rule["round_to"]
            amount = max(amount, rule["min"]) if rule["min"] is not None else amount
            amount = min(amount, rule["max"]) if rule["max"] is not None else amount
            whole = float(rule["round_to"]).is_integer()
            amount = int(amount) if whole or float(amount).is_integer() else round(amount, 3)
        offset = int(amount) if action["offset_is_amount"] and amount is not None else None
        out.append(
            {
                "kind": action["kind"],
                "amount": amount,
                "unit": action["unit"],
                "when": action["when"],
                "offset_min": action["offset_min"] if offset is None else offset,
                "per_hour": action["per_hour"],
            }
        )
    return out
