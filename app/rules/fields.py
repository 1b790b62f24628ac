"""The field paths that rules and red flags may test, with the operators each kind allows.

Input fields are read off the `WorkoutContext` schema, so a field added there is known to
rules at once; derived fields are declared here with the inputs they are computed from, so
that confidence and follow-up questions can trace a derived signal back to what the user
could still tell us.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import BaseModel

from app.workout.context import ALTERNATIVE_UNIT_FIELDS, WorkoutContext


class FieldKind(StrEnum):
    NUMBER = "number"
    BOOL = "bool"
    ENUM = "enum"
    LIST = "list"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What a rule needs to know about a field: its kind, allowed values and source inputs."""

    path: str
    kind: FieldKind
    inputs: tuple[str, ...]  # input fields it is made from; (path,) for an input field
    choices: frozenset[str] = frozenset()  # allowed values of an enum or list field

    @property
    def is_input(self) -> bool:
        return self.inputs == (self.path,)


def _strip_optional(annotation: Any) -> Any:
    """`Annotated[float, Strict()] | None` -> `float`: the part that decides the field kind."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _input_spec(path: str, annotation: Any) -> FieldSpec:
    annotation = _strip_optional(annotation)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return FieldSpec(path, FieldKind.LIST, (path,), frozenset(m.value for m in item))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return FieldSpec(path, FieldKind.ENUM, (path,), frozenset(m.value for m in annotation))
    if annotation is bool:
        return FieldSpec(path, FieldKind.BOOL, (path,))
    if annotation in (int, float):
        return FieldSpec(path, FieldKind.NUMBER, (path,))
    raise TypeError(f"{path}: no field kind for {annotation!r}")


def _section_models() -> dict[str, type[BaseModel]]:
    sections: dict[str, type[BaseModel]] = {}
    for name, field in WorkoutContext.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        sections[name] = model
    return sections


SECTION_MODELS: dict[str, type[BaseModel]] = _section_models()
"""Context section name -> its model, in schema order."""

SECTION_FIELDS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = tuple(
    (
        section,
        tuple(
            (name, f"{section}.{name}")
            for name in model.model_fields
            if f"{section}.{name}" not in ALTERNATIVE_UNIT_FIELDS
        ),
    )
    for section, model in SECTION_MODELS.items()
)
"""(section, ((field name, path), ...)) in schema order: the plan for flattening a context.

Fields in other units (`temperature_f`...) are left out: validation has already converted them
into their SI fields, which are the only ones rules can read."""

INPUT_FIELDS: dict[str, FieldSpec] = {
    path: _input_spec(path, SECTION_MODELS[section].model_fields[name].annotation)
    for section, fields in SECTION_FIELDS
    for name, path in fields
}

_HEAT = ("environment.temperature_c", "environment.humidity_pct")
_INTENSITY = ("activity.intensity_rpe", "activity.avg_heart_rate_bpm")
_SWEAT = ("activity.duration_min", *_INTENSITY, *_HEAT)


def _derived(path: str, kind: FieldKind, *inputs: str) -> tuple[str, FieldSpec]:
    return path, FieldSpec(path, kind, inputs)


DERIVED_FIELDS: dict[str, FieldSpec] = dict(
    [
        _derived("derived.duration_h", FieldKind.NUMBER, "activity.duration_min"),
        _derived("derived.heat_index_c", FieldKind.NUMBER, *_HEAT),
        _derived(
            "derived.hr_pct_max",
            FieldKind.NUMBER,
            "activity.avg_heart_rate_bpm",
            "activity.max_heart_rate_bpm",
            "athlete.age_years",
        ),
        _derived("derived.estimated_sweat_loss_ml", FieldKind.NUMBER, *_SWEAT),
        _derived(
            "derived.estimated_fluid_deficit_ml",
            FieldKind.NUMBER,
            *_SWEAT,
            "hydration.fluid_intake_ml",
        ),
        _derived(
            "derived.estimated_fluid_surplus_ml",
            FieldKind.NUMBER,
            *_SWEAT,
            "hydration.fluid_intake_ml",
        ),
        _derived(
            "derived.fluid_ml_per_hour",
            FieldKind.NUMBER,
            "hydration.fluid_intake_ml",
            "activity.duration_min",
        ),
        _derived(
            "derived.carbs_total_g",
            FieldKind.NUMBER,
            "nutrition.pre_workout_carbs_g",
            "nutrition.carbs_g_per_hour",
            "activity.duration_min",
        ),
        _derived("derived.total_reps", FieldKind.NUMBER, "activity.sets", "activity.reps_per_set"),
        _derived(
            "derived.training_load_spike",
            FieldKind.BOOL,
            "training.load_change_pct",
            "training.returning_after_weeks_off",
            "training.returning_from_injury",
        ),
        _derived(
            "derived.glucose_lowering_medication",
            FieldKind.BOOL,
            "health.glucose_lowering_medication",
            "health.medications",
        ),
        _derived(
            "derived.hot_exertion_without_illness",
            FieldKind.BOOL,
            *_HEAT,
            *_INTENSITY,
            "activity.type",
            "health.recent_illness_days",
            "symptoms.associated",
        ),
        _derived("derived.is_endurance", FieldKind.BOOL, "activity.type"),
        _derived("derived.is_resistance", FieldKind.BOOL, "activity.type", "activity.sets"),
    ]
)

KNOWN_FIELDS: dict[str, FieldSpec] = {**INPUT_FIELDS, **DERIVED_FIELDS}
"""Every path a condition may reference."""
