"""Golden cases of the default content and the public vignettes, scored by the vignette rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.rules.bundle import Bundle, GoldenCase
from app.rules.golden import contradictions, run_golden_case
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
    assert outcome.got == {
        "top3": outcome.got["top3"],
        "triage": "self_care",
        "disposition": "self_care",
        "conditions": [],
    }


def test_an_invalid_golden_context_fails_with_its_location(engine: AssessmentEngine) -> None:
    case = GoldenCase.model_validate(
        {"id": "bad", "context": {"activity": {"type": "running"}}, "expect": {}}
    )
    outcome = run_golden_case(engine, case)
    assert not outcome.passed
    assert "activity.duration_min" in outcome.reasons[0]
    assert outcome.got == {}


# --- contradictions and contraindications ---------------------------------------------------


def _with(bundle: Bundle, kind: str, item_id: str, **changes: Any) -> AssessmentEngine:
    """An engine of the default content with one tip (`kind="tips"`) changed."""
    data = bundle.model_dump(mode="json")
    for item in data[kind]:
        if item["id"] == item_id:
            item.update(changes)
    return AssessmentEngine(Bundle.model_validate(data), version=2)


def _with_signal(bundle: Bundle, cause: str, signal: str, **changes: Any) -> AssessmentEngine:
    data = bundle.model_dump(mode="json")
    rules = next(rules for rules in data["rules"] if rules["cause"] == cause)
    next(item for item in rules["signals"] if item["id"] == signal).update(changes)
    return AssessmentEngine(Bundle.model_validate(data), version=2)


def _failing(engine: AssessmentEngine, cases: list[GoldenCase]) -> dict[str, list[str]]:
    outcomes = (run_golden_case(engine, case) for case in cases)
    return {outcome.case_id: outcome.safety for outcome in outcomes if outcome.safety}


def test_every_tip_contraindication_is_guarded_by_a_golden_case(bundle: Bundle) -> None:
    """Dropping any one `hidden_when` condition of a tip breaks a golden case, in every
    locale, and the failure is one a forced publish cannot override."""
    guarded = [case for case in GOLDEN_CASES if case.expect.tips_absent]
    unguarded = []
    for tip in bundle.tips:
        for position, condition in enumerate(tip.hidden_when):
            kept = [c.model_dump(mode="json") for c in tip.hidden_when if c is not condition]
            failing = _failing(_with(bundle, "tips", tip.id, hidden_when=kept), guarded)
            if not failing:
                unguarded.append(f"{tip.id}.hidden_when.{position}")
            for reasons in failing.values():
                assert any(r.startswith("[en]") for r in reasons)
                assert any(r.startswith("[es]") for r in reasons)
        for flag in tip.hidden_by:
            kept_flags = [other for other in tip.hidden_by if other != flag]
            if not _failing(_with(bundle, "tips", tip.id, hidden_by=kept_flags), guarded):
                unguarded.append(f"{tip.id}.hidden_by.{flag}")
    assert unguarded == []


def test_every_silenced_signal_is_guarded_by_a_golden_case(bundle: Bundle) -> None:
    guarded = [case for case in GOLDEN_CASES if case.expect.evidence_absent]
    for rules in bundle.rules:
        for signal in rules.signals:
            if signal.silenced_when:
                engine = _with_signal(bundle, rules.cause, signal.id, silenced_when=[])
                assert _failing(engine, guarded), f"no case guards {rules.cause}.{signal.id}"


def test_a_care_tip_that_no_longer_sends_to_care_is_refused(bundle: Bundle) -> None:
    """The care tip of an emergency that loses its `see_clinician` action contradicts every
    urgent case it joins (a training tip cannot join one: conditions show care tips only)."""
    engine = _with(bundle, "tips", "seek_care_now", actions=[])
    failing = _failing(engine, GOLDEN_CASES)
    assert "hot-race-confusion" in failing
    assert any("prevention must wait" in reason for reason in failing["hot-race-confusion"])


def test_under_triage_is_a_safety_failure_and_over_triage_is_not(
    engine: AssessmentEngine,
) -> None:
    chest_pain = {"activity": {"type": "running", "duration_min": 30}}
    chest_pain["symptoms"] = {"associated": ["chest_pain"]}  # type: ignore[dict-item]
    over = GoldenCase.model_validate(
        {"id": "over", "context": chest_pain, "expect": {"triage_any": ["self_care"]}}
    )
    under = GoldenCase.model_validate(
        {
            "id": "under",
            "context": {"activity": {"type": "running", "duration_min": 30}},
            "expect": {"triage_any": ["consult", "urgent"]},
        }
    )
    assert not run_golden_case(engine, over).passed
    assert run_golden_case(engine, over).safety == []
    assert run_golden_case(engine, under).safety == [
        "triage 'self_care' is not one of ['consult', 'urgent']"
    ]


def test_contradictions_of_a_built_answer(engine: AssessmentEngine) -> None:
    """The checker itself: each kind of contradiction is named."""
    answer: dict[str, Any] = {
        "triage": {
            "level": "urgent",
            "headline": "",
            "reasons": [{"code": "chest_pain"}, {"code": "dizziness"}],
            "conditions": [{"id": "cardiac_warning"}],
        },
        "tips": [{"id": "cool_down"}],
    }
    found = contradictions(engine, answer)
    assert any("'dizziness' (consult) in a urgent answer" in item for item in found)
    assert any("'cool_down' is shown although it is hidden at urgent" in item for item in found)
    consult = {
        "triage": {"level": "consult", "headline": "", "reasons": [], "conditions": []},
        "tips": [],
    }
    assert contradictions(engine, consult) == ["a consult answer gives no reason"]
    calm = {
        "triage": {"level": "self_care", "headline": "", "reasons": [], "conditions": [{}]},
        "tips": [{"id": "cool_down"}],
    }
    assert contradictions(engine, calm) == [
        "training tip 'cool_down' shown while a condition is suspected",
        "a condition is suspected but the answer reads as self-care",
    ]
