"""Golden cases: workout contexts whose answer a content version must keep, in every locale.

Publishing refuses a version that breaks one, and a diff lists the cases whose result
changed. The ranking and triage rule is the one the public vignettes are scored with. Beyond
what a case expects, its answer must not contradict itself (`contradictions`): that is how a
content edit that would dilute "seek care now" is caught before it is published.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.rules.bundle import Disposition, GoldenCase
from app.rules.compiler import LEVEL_ORDER
from app.rules.versions import MAX_LIMIT, AssessmentEngine
from app.workout.context import WorkoutContext
from app.workout.lenient import read_leniently


@dataclass(frozen=True, slots=True)
class GoldenOutcome:
    """Whether a case passed, why not, and what the engine produced (`top3`, `triage`).

    `safety` holds the reasons no forced publish may override: a triage below every level
    the case allows, a contraindicated item shown, an answer contradicting its triage.
    """

    case_id: str
    passed: bool
    reasons: list[str]
    got: dict[str, Any]
    safety: list[str] = field(default_factory=list)


def run_golden_case(engine: AssessmentEngine, case: GoldenCase) -> GoldenOutcome:
    """Evaluate one case: top-1 among `top1_any`, all of `top3_includes` in the top three,
    triage level among `triage_any`, none of `tips_absent` and `evidence_absent` shown, the
    actions of `expect_actions` carried (each only when given), and no contradiction, in
    every locale the version serves."""
    context = golden_context(case, engine.synonyms(engine.bundle.default_locale))
    if isinstance(context, str):
        return GoldenOutcome(case.id, False, [f"context is not valid: {context}"], {})
    evaluation = engine.evaluate(context)
    ranked = list(evaluation.ranked)
    expect = case.expect
    reasons: list[str] = []
    if expect.top1_any and ranked[0] not in expect.top1_any:
        reasons.append(f"top1 {ranked[0]!r} is not one of {expect.top1_any}")
    missing = [cause for cause in expect.top3_includes or [] if cause not in ranked[:3]]
    if missing:
        reasons.append(f"top3 {ranked[:3]} lacks {missing}")
    safety: list[str] = []
    if expect.triage_any and evaluation.level not in expect.triage_any:
        reason = f"triage {evaluation.level!r} is not one of {expect.triage_any}"
        reasons.append(reason)
        if LEVEL_ORDER[evaluation.level] < min(LEVEL_ORDER[lvl] for lvl in expect.triage_any):
            safety.append(reason)  # under-triage
    safety += _condition_failures(case, evaluation.disposition, evaluation.conditions)
    for locale in engine.builders:
        answer = engine.assess_payload(
            context, locale=locale, limit=MAX_LIMIT, assessment_id="golden"
        )
        found = [*_shown_but_absent(case, answer), *contradictions(engine, answer)]
        found += _untold_conditions(answer, evaluation.conditions)
        safety += [f"[{locale}] {reason}" for reason in found]
        reasons += [f"[{locale}] {reason}" for reason in _missing_actions(case, answer)]
    reasons += [reason for reason in safety if reason not in reasons]
    got = {
        "top3": ranked[:3],
        "triage": evaluation.level,
        "disposition": evaluation.disposition,
        "conditions": list(evaluation.conditions),
    }
    return GoldenOutcome(case.id, not reasons, reasons, got, safety)


def golden_context(case: GoldenCase, synonyms: Mapping[str, str]) -> WorkoutContext | str:
    """A case's context read as a request is (symptom words in any spelling or through the
    synonyms), or why it cannot be: a golden case leaves nothing out."""
    read = read_leniently(case.context, synonyms)
    if read.context is not None and not read.issues:
        return read.context
    try:
        WorkoutContext.model_validate(case.context)
    except ValidationError as error:
        return "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
    return "; ".join(f"{issue.field}: {issue.reason}" for issue in read.issues)  # pragma: no cover


def _condition_failures(
    case: GoldenCase, disposition: Disposition, conditions: tuple[str, ...]
) -> list[str]:
    """A disposition or condition other than the case expects: each one is a safety failure
    (a condition missed, or an answer sent to the wrong door)."""
    expect = case.expect
    found: list[str] = []
    if expect.disposition_any and disposition not in expect.disposition_any:
        found.append(f"disposition {disposition!r} is not one of {expect.disposition_any}")
    lacking = [c for c in expect.conditions_include or [] if c not in conditions]
    if lacking:
        found.append(f"conditions {list(conditions)} lack {lacking}")
    exactly = expect.conditions_exactly
    if exactly is not None and sorted(conditions) != sorted(exactly):
        found.append(f"conditions {list(conditions)} are not exactly {exactly}")
    return found


def _untold_conditions(answer: dict[str, Any], conditions: tuple[str, ...]) -> list[str]:
    """Every locale names the same conditions, each with its title and first aid."""
    shown = answer["triage"]["conditions"]
    if [item["id"] for item in shown] != list(conditions):
        return [f"conditions {[item['id'] for item in shown]} differ from {list(conditions)}"]
    return [
        f"condition {item['id']!r} has no title or first aid"
        for item in shown
        if not item["title"] or not item["first_aid"]
    ]


def _shown_but_absent(case: GoldenCase, answer: dict[str, Any]) -> Iterator[str]:
    shown_tips = {tip["id"] for tip in answer["tips"]}
    for tip_id in case.expect.tips_absent or []:
        if tip_id in shown_tips:
            yield f"tip {tip_id!r} is shown; the case forbids it"
    evidence = {
        (cause["id"], item["field"]) for cause in answer["causes"] for item in cause["evidence"]
    }
    for ref in case.expect.evidence_absent or []:
        if (ref.cause, ref.field) in evidence:
            yield f"evidence {ref.field!r} of {ref.cause!r} is shown; the case forbids it"


def _missing_actions(case: GoldenCase, answer: dict[str, Any]) -> Iterator[str]:
    """Each tip of `expect_actions` is shown and its actions begin with the ones expected
    (only the fields an expectation gives are compared)."""
    tips = {tip["id"]: tip for tip in answer["tips"]}
    for tip_id, expected in (case.expect.expect_actions or {}).items():
        tip = tips.get(tip_id)
        if tip is None:
            yield f"tip {tip_id!r} is not shown; the case expects its actions"
            continue
        actions = tip["actions"]
        for position, want in enumerate(expected):
            wanted = want.model_dump(exclude_none=True)
            got = actions[position] if position < len(actions) else None
            if got is None or any(got.get(key) != value for key, value in wanted.items()):
                yield f"tip {tip_id!r} action {position} is {got}, expected {wanted}"
                break


def contradictions(engine: AssessmentEngine, answer: dict[str, Any]) -> list[str]:
    """What in an answer contradicts its own triage, whatever the case expects.

    An urgent answer leads with the care message and holds nothing that could delay care: no
    prevention tip, no reason of a milder level. No answer gives a reason of another level
    than its own, or a tip a contraindication leaves out at that level.
    """
    triage = answer["triage"]
    level = triage["level"]
    levels = {flag.id: flag.level for flag in engine.ruleset.red_flags}
    found = [
        f"reason {reason['code']!r} ({levels.get(reason['code'])}) in a {level} answer"
        for reason in triage["reasons"]
        if levels.get(reason["code"]) != level
    ]
    if level != "self_care" and not triage["reasons"]:
        found.append(f"a {level} answer gives no reason")
    hidden_at = {tip.id: tip.hidden_at for tip in engine.ruleset.tips}
    care = {tip.id for tip in engine.ruleset.tips if tip.care}
    suspected = bool(triage["conditions"])
    for tip in answer["tips"]:
        actions = tip.get("actions") or []
        sends_to_care = bool(actions) and actions[0]["kind"] == "see_clinician"
        if level in hidden_at.get(tip["id"], frozenset()):
            found.append(f"tip {tip['id']!r} is shown although it is hidden at {level}")
        elif level == "urgent" and not (sends_to_care and tip["id"] in care):
            # the only tip an urgent answer may hold is a care tip that sends to care
            found.append(f"tip {tip['id']!r} in an urgent answer: prevention must wait")
        elif suspected and tip["id"] not in care:
            found.append(f"training tip {tip['id']!r} shown while a condition is suspected")
    if suspected and level == "self_care":
        found.append("a condition is suspected but the answer reads as self-care")
    return found
