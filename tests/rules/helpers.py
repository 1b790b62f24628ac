"""Shared test data: the default content, context builders and hypothesis strategies.

Strategies are generated from the context schema itself (bounds, kinds, choices), so a field
added to the schema is exercised by the property tests without touching them.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import annotated_types
from hypothesis import strategies as st

from app.content.files import load_bundle
from app.rules.bundle import Bundle
from app.rules.fields import INPUT_FIELDS, SECTION_FIELDS, SECTION_MODELS, FieldKind
from app.rules.schemas import AssessmentResponse
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from tests.rules import reference

LEVELS = {"self_care": 0, "consult": 1, "urgent": 2}


@cache
def default_bundle() -> Bundle:
    """The real default content (loaded once; collection-time parametrization needs it too)."""
    return load_bundle()


@cache
def default_engine() -> AssessmentEngine:
    return AssessmentEngine(default_bundle(), 1)


def context(**sections: dict[str, Any]) -> WorkoutContext:
    """A validated context; `activity` defaults to a 30-minute run."""
    data: dict[str, Any] = {"activity": {"type": "running", "duration_min": 30}, **sections}
    return WorkoutContext.model_validate(data)


def evaluate(engine: AssessmentEngine, ctx: WorkoutContext) -> reference.Evaluation:
    """What the plan interpreter (the oracle) makes of a context."""
    return reference.evaluate(reference.plan_of(engine), reference.flatten(ctx))


def bounds(path: str) -> tuple[float, float, bool]:
    """(low, high, low is exclusive) of a number field, read off the schema."""
    section, name = path.split(".")
    metadata = SECTION_MODELS[section].model_fields[name].metadata
    low, high, exclusive = -math.inf, math.inf, False
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            low, exclusive = float(item.gt), True  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)  # type: ignore[arg-type]
    return low, high, exclusive


def is_integer(path: str) -> bool:
    section, name = path.split(".")
    return "int" in str(SECTION_MODELS[section].model_fields[name].annotation)


def value_strategy(path: str) -> st.SearchStrategy[Any]:
    spec = INPUT_FIELDS[path]
    if spec.kind is FieldKind.BOOL:
        return st.booleans()
    if spec.kind is FieldKind.ENUM:
        return st.sampled_from(sorted(spec.choices))
    if spec.kind is FieldKind.LIST:
        return st.lists(st.sampled_from(sorted(spec.choices)), max_size=4)
    low, high, exclusive = bounds(path)
    if is_integer(path):
        return st.integers(int(low) + exclusive, int(high))
    return st.floats(low, high, exclude_min=exclusive, allow_nan=False, allow_infinity=False)


REQUIRED = {"activity.type", "activity.duration_min"}


def _section_strategy(fields: tuple[tuple[str, str], ...]) -> st.SearchStrategy[dict[str, Any]]:
    required = {name: value_strategy(path) for name, path in fields if path in REQUIRED}
    optional = {name: value_strategy(path) for name, path in fields if path not in REQUIRED}
    return st.fixed_dictionaries(required, optional=optional)


_SECTIONS = {section: _section_strategy(fields) for section, fields in SECTION_FIELDS}
context_data: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"activity": _SECTIONS.pop("activity")}, optional=_SECTIONS
)
"""A random valid request body: the required fields always, each other field maybe."""

contexts = context_data.map(WorkoutContext.model_validate)


def assess(
    engine: AssessmentEngine,
    ctx: WorkoutContext,
    *,
    locale: str,
    limit: int = 5,
    assessment_id: str,
) -> AssessmentResponse:
    """The answer as a validated model: checks its shape as well as giving objects to test."""
    payload = engine.assess_payload(ctx, locale=locale, limit=limit, assessment_id=assessment_id)
    return AssessmentResponse.model_validate(payload)
