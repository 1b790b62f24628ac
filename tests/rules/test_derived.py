"""The field registry and the derived quantities computed from a context."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.derived import apparent_temperature_c
from app.rules.fields import DERIVED_FIELDS, INPUT_FIELDS, KNOWN_FIELDS, FieldKind
from app.workout.context import ALTERNATIVE_UNIT_FIELDS, WorkoutContext
from tests.rules.helpers import context, contexts
from tests.rules.reference import flatten

FULL = context(
    activity={
        "type": "cycling",
        "duration_min": 120,
        "intensity_rpe": 7,
        "avg_heart_rate_bpm": 150,
        "sets": 3,
        "reps_per_set": 10,
    },
    environment={"temperature_c": 30, "humidity_pct": 60},
    hydration={"fluid_intake_ml": 500},
    nutrition={"pre_workout_carbs_g": 40, "carbs_g_per_hour": 30},
    training={"load_change_pct": 10},
    athlete={"age_years": 40},
)


def test_input_fields_mirror_the_schema() -> None:
    schema = WorkoutContext.model_json_schema()
    paths = {
        f"{section.lower()}.{field}"
        for section, definition in schema["$defs"].items()
        for field in definition.get("properties", {})
        if section.lower() in WorkoutContext.model_fields  # not a part of a field (TypeCode)
    }
    # Fields in other units (temperature_f...) are converted away during validation.
    assert paths - ALTERNATIVE_UNIT_FIELDS == set(INPUT_FIELDS)
    assert paths >= ALTERNATIVE_UNIT_FIELDS
    assert not ALTERNATIVE_UNIT_FIELDS & set(KNOWN_FIELDS)
    assert INPUT_FIELDS["activity.type"].kind is FieldKind.ENUM
    assert INPUT_FIELDS["symptoms.associated"].kind is FieldKind.LIST
    assert "chest_pain" in INPUT_FIELDS["symptoms.associated"].choices
    assert INPUT_FIELDS["activity.to_failure"].kind is FieldKind.BOOL
    assert INPUT_FIELDS["hydration.urine_color"].kind is FieldKind.NUMBER


def test_derived_fields_trace_back_to_inputs() -> None:
    for spec in DERIVED_FIELDS.values():
        assert not spec.is_input
        assert spec.inputs and all(field in INPUT_FIELDS for field in spec.inputs)
    assert set(KNOWN_FIELDS) == set(INPUT_FIELDS) | set(DERIVED_FIELDS)


def test_a_full_context_produces_every_declared_derived_field() -> None:
    produced = {path for path in flatten(FULL) if path.startswith("derived.")}
    assert produced == set(DERIVED_FIELDS)


@given(contexts)
@settings(max_examples=100, deadline=None)
def test_derived_values_have_their_declared_kind(ctx: WorkoutContext) -> None:
    values = flatten(ctx)
    for path, value in values.items():
        spec = KNOWN_FIELDS[path]
        if spec.kind is FieldKind.NUMBER:
            assert isinstance(value, int | float) and not isinstance(value, bool)
        elif spec.kind is FieldKind.BOOL:
            assert isinstance(value, bool)


def test_missing_inputs_leave_derived_values_out() -> None:
    values = flatten(context())
    for path in (
        "derived.heat_index_c",
        "derived.estimated_fluid_deficit_ml",
        "derived.fluid_ml_per_hour",
        "derived.carbs_total_g",
        "derived.total_reps",
        "derived.hr_pct_max",
        "derived.training_load_spike",
    ):
        assert path not in values
    # sweat loss is always estimated: duration and activity type are always known
    assert values["derived.estimated_sweat_loss_ml"] > 0


def test_derived_values_of_a_known_context() -> None:
    values = flatten(FULL)
    assert values["derived.duration_h"] == 2
    assert values["derived.fluid_ml_per_hour"] == 250
    assert values["derived.carbs_total_g"] == 40 + 30 * 2
    assert values["derived.total_reps"] == 30
    assert values["derived.hr_pct_max"] == pytest.approx(100 * 150 / (208 - 0.7 * 40))
    assert values["derived.is_endurance"] is True
    assert values["derived.is_resistance"] is True  # sets were logged
    assert values["derived.training_load_spike"] is False
    deficit = values["derived.estimated_sweat_loss_ml"] - 500  # type: ignore[operator]
    assert values["derived.estimated_fluid_deficit_ml"] == pytest.approx(deficit)


def test_heat_index_assumes_middling_humidity_when_unknown() -> None:
    values = flatten(context(environment={"temperature_c": 30}))
    assert values["derived.heat_index_c"] == pytest.approx(apparent_temperature_c(30, 50))
    # Steadman's table: 30 °C at 50 % feels a few degrees hotter
    assert 31 < apparent_temperature_c(30, 50) < 34
    assert apparent_temperature_c(20, 0) == pytest.approx(16)


temperatures = st.floats(-40, 60, allow_nan=False)
humidities = st.floats(0, 100, allow_nan=False)


@given(temperatures, temperatures, humidities, humidities)
def test_heat_index_never_falls_with_temperature_or_humidity(
    t1: float, t2: float, h1: float, h2: float
) -> None:
    (t1, t2), (h1, h2) = sorted((t1, t2)), sorted((h1, h2))
    assert apparent_temperature_c(t1, h1) <= apparent_temperature_c(t2, h1)
    assert apparent_temperature_c(t1, h1) <= apparent_temperature_c(t1, h2)


@pytest.mark.parametrize(
    ("training", "spike"),
    [
        ({"load_change_pct": 50}, True),
        ({"load_change_pct": 10}, False),
        ({"returning_after_weeks_off": 3}, True),
        ({"returning_after_weeks_off": 0}, False),
        ({"returning_from_injury": True}, True),
        ({"returning_from_injury": False, "load_change_pct": 0}, False),
    ],
)
def test_training_load_spike(training: dict[str, object], spike: bool) -> None:
    assert flatten(context(training=training))["derived.training_load_spike"] is spike


def test_heart_rate_sets_sweat_intensity_when_effort_is_not_reported() -> None:
    easy = flatten(
        context(
            activity={
                "type": "running",
                "duration_min": 60,
                "avg_heart_rate_bpm": 110,
                "max_heart_rate_bpm": 190,
            }
        )
    )
    hard = flatten(
        context(
            activity={
                "type": "running",
                "duration_min": 60,
                "avg_heart_rate_bpm": 180,
                "max_heart_rate_bpm": 190,
            }
        )
    )
    assert easy["derived.estimated_sweat_loss_ml"] < hard["derived.estimated_sweat_loss_ml"]  # type: ignore[operator]


def test_swimmers_are_estimated_to_sweat_less() -> None:
    run = flatten(context(activity={"type": "running", "duration_min": 60, "intensity_rpe": 6}))
    swim = flatten(context(activity={"type": "swimming", "duration_min": 60, "intensity_rpe": 6}))
    assert swim["derived.estimated_sweat_loss_ml"] < run["derived.estimated_sweat_loss_ml"]  # type: ignore[operator]
