"""The workout context: what a fitness app tells us about one session, validated once.

Only `activity.type` and `activity.duration_min` are required: an answer must be useful from
whatever an app can fill in. Units are in every name; values in other units (`temperature_f`,
`distance_mi`, ...) are converted into their SI field during validation, so rules only ever
see SI values. Numbers and booleans must arrive as JSON numbers and booleans.

The parts live beside this module: the vocabularies (`vocabulary`), the platforms' workout
names and codes (`platforms`), unit conversion (`units`), the activity (`activity`) and the
other sections (`sections`); `plan_data` describes them as data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import Field

from app.workout.activity import Activity
from app.workout.sections import (
    Athlete,
    Environment,
    HealthInfo,
    Hydration,
    Intake,
    Nutrition,
    Preparation,
    Section,
    Symptoms,
    Training,
)

_S = TypeVar("_S", bound=Section)


def _empty(section: type[_S]) -> Callable[[], _S]:
    """The factory of one shared empty instance of a (frozen) section: a request that leaves a
    section out costs a call, not the ~0.7 µs of validating an empty model."""
    empty = section()
    return lambda: empty


class WorkoutContext(Section):
    """Everything known about one workout; the engine never needs more than this."""

    activity: Activity = Field(description="The session itself (required).")
    environment: Environment = Field(
        default_factory=_empty(Environment), description="Weather conditions."
    )
    hydration: Hydration = Field(default_factory=_empty(Hydration), description="Fluid balance.")
    nutrition: Nutrition = Field(
        default_factory=_empty(Nutrition), description="Food and carbohydrate."
    )
    preparation: Preparation = Field(
        default_factory=_empty(Preparation), description="Warm-up and cool-down."
    )
    training: Training = Field(default_factory=_empty(Training), description="Training background.")
    athlete: Athlete = Field(default_factory=_empty(Athlete), description="The person.")
    symptoms: Symptoms = Field(default_factory=_empty(Symptoms), description="The shaking itself.")
    health: HealthInfo = Field(
        default_factory=_empty(HealthInfo), description="Conditions, measurements and medicines."
    )
    intake: Intake = Field(
        default_factory=_empty(Intake), description="Caffeine, stimulants, alcohol."
    )


ALTERNATIVE_UNIT_FIELDS: frozenset[str] = frozenset(
    f"{section}.{name}"
    for section, field in WorkoutContext.model_fields.items()
    for name in getattr(field.annotation, "alternative_units", ())
)
"""Paths of the fields that only carry another unit; converted away during validation."""
