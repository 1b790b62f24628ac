"""Golden cases: workout contexts whose ranking and triage a content version must keep.

Publishing refuses a version that breaks one, and a diff lists the cases whose result
changed. The pass rule is the one the public vignettes are scored with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.rules.bundle import GoldenCase
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext


@dataclass(frozen=True, slots=True)
class GoldenOutcome:
    """Whether a case passed, why not, and what the engine produced (`top3`, `triage`)."""

    case_id: str
    passed: bool
    reasons: list[str]
    got: dict[str, Any]


def run_golden_case(engine: AssessmentEngine, case: GoldenCase) -> GoldenOutcome:
    """Evaluate one case: top-1 among `top1_any`, all of `top3_includes` in the top three,
    triage level among `triage_any` (each only when given)."""
    try:
        context = WorkoutContext.model_validate(case.context)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        return GoldenOutcome(case.id, False, [f"context is not valid: {problems}"], {})
    evaluation = engine.evaluate(context)
    ranked = list(evaluation.ranked)
    expect = case.expect
    reasons: list[str] = []
    if expect.top1_any and ranked[0] not in expect.top1_any:
        reasons.append(f"top1 {ranked[0]!r} is not one of {expect.top1_any}")
    missing = [cause for cause in expect.top3_includes or [] if cause not in ranked[:3]]
    if missing:
        reasons.append(f"top3 {ranked[:3]} lacks {missing}")
    if expect.triage_any and evaluation.level not in expect.triage_any:
        reasons.append(f"triage {evaluation.level!r} is not one of {expect.triage_any}")
    return GoldenOutcome(
        case.id, not reasons, reasons, {"top3": ranked[:3], "triage": evaluation.level}
    )
