"""The generated scorer and red-flag checker agree exactly with the reference closures."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from app.assessment.codegen import shown_weight
from app.assessment.context import WorkoutContext
from app.assessment.engine import evaluate, evaluate_reference
from app.assessment.service import AssessmentEngine, _display
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


def _evidence_from_explainer(
    engine: AssessmentEngine, ctx: WorkoutContext, locale: str
) -> dict[str, list[dict[str, object]]]:
    """Evidence built the slow, obvious way: the explainer's fired signals, sorted, with texts."""
    evaluation = engine.evaluate(ctx)
    texts = engine.texts[locale]
    out: dict[str, list[dict[str, object]]] = {}
    for item in evaluation.ranked:
        items = []
        for signal, contribution in item.evidence():
            weight = shown_weight(contribution)
            if weight:
                items.append(
                    {
                        "field": signal.evidence_field,
                        "value": _display(evaluation.values.get(signal.evidence_field)),
                        "effect": "raises" if signal.weight > 0 else "lowers",
                        "weight": weight,
                        "message": texts.signals[item.cause.id, signal.id],
                    }
                )
        out[item.cause.id] = items
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ctx=contexts)
def test_the_evidence_writers_write_what_the_explainers_find(ctx: WorkoutContext) -> None:
    values = ENGINE.evaluate(ctx).values
    for locale, writers in ENGINE.evidence_writers.items():
        written = {
            cause_id: write(values, lambda field: _display(values.get(field)))
            for cause_id, write in writers.items()
        }
        assert written == _evidence_from_explainer(ENGINE, ctx, locale)
