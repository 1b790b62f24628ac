"""Golden cases of the default content and the public vignettes, scored by the vignette rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.rules.bundle import Bundle, GoldenCase
from app.rules.golden import run_golden_case
from app.rules.versions import AssessmentEngine
from tests.rules.helpers import default_bundle

PUBLIC_VIGNETTES = Path(__file__).resolve().parents[3] / "shared" / "vignettes" / "public.json"
GOLDEN_CASES = default_bundle().golden_cases


def public_cases() -> list[dict[str, Any]]:
    if not PUBLIC_VIGNETTES.is_file():
        pytest.skip(f"{PUBLIC_VIGNETTES} is not beside the repository")
    cases: list[dict[str, Any]] = json.loads(PUBLIC_VIGNETTES.read_text("utf-8"))["cases"]
    return cases


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[case.id for case in GOLDEN_CASES])
def test_golden_case_passes(engine: AssessmentEngine, case: GoldenCase) -> None:
    outcome = run_golden_case(engine, case)
    assert outcome.passed, outcome.reasons
    assert outcome.case_id == case.id
    assert len(outcome.got["top3"]) == 3
    assert outcome.got["triage"] in ("self_care", "consult", "urgent")


def test_every_public_vignette_is_a_golden_case(bundle: Bundle) -> None:
    golden = {case.id: case for case in bundle.golden_cases}
    for vignette in public_cases():
        case = golden.get(vignette["id"])
        assert case is not None, f"vignette {vignette['id']} is missing from golden_cases"
        assert case.context == vignette["context"]
        assert case.expect.model_dump(exclude_none=True) == vignette["expect"]


def test_public_vignettes_pass_through_the_engine(engine: AssessmentEngine) -> None:
    """The file itself, not our copy, scored with the vignette runner's rule."""
    failures = []
    for vignette in public_cases():
        case = GoldenCase.model_validate({k: vignette[k] for k in ("id", "context", "expect")})
        outcome = run_golden_case(engine, case)
        if not outcome.passed:
            failures.append(f"{case.id}: {outcome.reasons}")
    assert not failures


def test_a_broken_expectation_says_what_was_expected_and_what_came(
    engine: AssessmentEngine,
) -> None:
    case = GoldenCase.model_validate(
        {
            "id": "wrong-on-purpose",
            "context": {"activity": {"type": "running", "duration_min": 30}},
            "expect": {
                "top1_any": ["dehydration"],
                "top3_includes": ["overexertion"],
                "triage_any": ["urgent"],
            },
        }
    )
    outcome = run_golden_case(engine, case)
    assert not outcome.passed
    assert len(outcome.reasons) == 3
    assert "top1 'muscle_fatigue'" in outcome.reasons[0] and "dehydration" in outcome.reasons[0]
    assert "lacks ['overexertion']" in outcome.reasons[1]
    assert "triage 'self_care'" in outcome.reasons[2]
    assert outcome.got == {"top3": outcome.got["top3"], "triage": "self_care"}


def test_an_invalid_golden_context_fails_with_its_location(engine: AssessmentEngine) -> None:
    case = GoldenCase.model_validate(
        {"id": "bad", "context": {"activity": {"type": "running"}}, "expect": {}}
    )
    outcome = run_golden_case(engine, case)
    assert not outcome.passed
    assert "activity.duration_min" in outcome.reasons[0]
    assert outcome.got == {}
