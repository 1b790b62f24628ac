"""The generated scorer and red-flag checker agree exactly with the reference closures."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from app.assessment.context import WorkoutContext
from app.assessment.engine import evaluate, evaluate_reference
from app.assessment.service import AssessmentEngine
from tests.assessment.helpers import contexts, default_engine

ENGINE: AssessmentEngine = default_engine()


def summary(engine: AssessmentEngine, ctx: WorkoutContext, reference: bool) -> object:
    result = (evaluate_reference if reference else evaluate)(engine.ruleset, ctx)
    return (
        result.level,
        [flag.id for flag in result.red_flags],
        [(item.cause.id, item.logit, item.fired) for item in result.ranked],
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_generated_code_matches_the_reference_bit_for_bit(ctx: WorkoutContext) -> None:
    assert summary(ENGINE, ctx, reference=False) == summary(ENGINE, ctx, reference=True)


def test_the_generated_source_holds_no_content_text() -> None:
    """Values are bound as constants: editor-written strings never become code."""
    scorer = ENGINE.ruleset.score
    names = scorer.__code__.co_names + scorer.__code__.co_varnames
    assert all(name.isidentifier() for name in names)
    assert not any(
        " " in str(const) for const in scorer.__code__.co_consts if isinstance(const, str)
    )
