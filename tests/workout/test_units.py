"""Imperial and other units: converted once into the SI fields, checked against them when both
are sent, echoed back normalised, and invisible to the rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.rules.fields import KNOWN_FIELDS
from app.rules.versions import AssessmentEngine
from app.workout.context import ALTERNATIVE_UNIT_FIELDS, WorkoutContext
from tests.rules.helpers import bounds, context_data, default_engine
from tests.rules.reference import flatten

SETTINGS = settings(max_examples=150, deadline=None)

# SI -> other unit, written independently of the code under test.
FROM_SI: dict[str, tuple[str, Callable[[float], float]]] = {
    # alternative field: (its SI field, SI value -> alternative value)
    "environment.temperature_f": ("environment.temperature_c", lambda c: c * 9 / 5 + 32),
    "hydration.fluid_intake_oz": ("hydration.fluid_intake_ml", lambda ml: ml / 29.5735295625),
    "activity.distance_mi": ("activity.distance_km", lambda km: km / 1.609344),
    "activity.elevation_gain_ft": ("activity.elevation_gain_m", lambda m: m / 0.3048),
    "activity.elevation_loss_ft": ("activity.elevation_loss_m", lambda m: m / 0.3048),
    "hydration.body_mass_lb": ("hydration.body_mass_kg", lambda kg: kg / 0.45359237),
    "health.blood_glucose_mmol_l": ("health.blood_glucose_mg_dl", lambda mg: mg / 18.016),
    "activity.duration_s": ("activity.duration_min", lambda minutes: minutes * 60),
    "activity.distance_m": ("activity.distance_km", lambda km: km * 1000),
}
SIMPLE = sorted(FROM_SI)
KG_PER_LB = 0.45359237


def body(**sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"activity": {"type": "running", "duration_min": 60}}
    for section, fields in sections.items():
        data.setdefault(section, {}).update(fields)
    return data


def put(data: dict[str, Any], path: str, value: Any) -> None:
    section, name = path.split(".")
    data.setdefault(section, {})[name] = value


def sent_as(path: str, value: Any) -> dict[str, Any]:
    """The body with one field in its other form, alone: without its SI field."""
    data = body()
    section, name = FROM_SI[path][0].split(".")
    data.get(section, {}).pop(name, None)
    put(data, path, value)
    return data


def get(data: dict[str, Any], path: str) -> Any:
    section, name = path.split(".")
    return data.get(section, {}).get(name)


def error_locations(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        WorkoutContext.model_validate(data)
    return [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]


def answer_without_id(engine: AssessmentEngine, data: dict[str, Any], locale: str = "en") -> Any:
    payload = engine.assess_payload(
        WorkoutContext.model_validate(data), locale=locale, limit=8, assessment_id="u"
    )
    return {key: value for key, value in payload.items() if key != "assessment_id"}


# --- the registry ------------------------------------------------------------------------


def test_every_alternative_field_is_known_here_and_hidden_from_rules() -> None:
    others = {
        "hydration.body_mass_change_kg",
        "hydration.body_mass_change_lb",
        "activity.type_code",
    }
    assert set(SIMPLE) | others == ALTERNATIVE_UNIT_FIELDS
    assert not ALTERNATIVE_UNIT_FIELDS & set(KNOWN_FIELDS)
    full = body(
        environment={"temperature_f": 80},
        hydration={"fluid_intake_oz": 20, "body_mass_lb": 150, "body_mass_change_lb": -2},
        activity={
            "distance_mi": 6,
            "elevation_gain_ft": 900,
            "elevation_loss_ft": 900,
            "duration_s": 3600,
            "type_code": {"source": "healthkit", "code": 37},
        },
    )
    assert not ALTERNATIVE_UNIT_FIELDS & set(flatten(WorkoutContext.model_validate(full)))


@pytest.mark.parametrize("path", SIMPLE)
def test_alternative_bounds_mirror_the_si_bounds(path: str) -> None:
    si_path, from_si = FROM_SI[path]
    low, high, exclusive = bounds(path)
    si_low, si_high, _ = bounds(si_path)
    # Everything the alternative field accepts converts into the SI range, and nearly all of
    # the SI range can be sent in the other unit.
    assert from_si(si_low) == pytest.approx(low)
    assert from_si(si_high) == pytest.approx(high)
    for value in (low + 1 if exclusive else low, high):  # a second for duration_s > 0
        data = sent_as(path, value)
        converted = get(WorkoutContext.model_validate(data).model_dump(), si_path)
        assert si_low <= converted <= si_high
    for value in (low - 1, high + 1):
        data = sent_as(path, value)
        assert path in error_locations(data)  # (with duration_min, which it cannot stand for)


@pytest.mark.parametrize("path", sorted(ALTERNATIVE_UNIT_FIELDS))
@pytest.mark.parametrize("value", ["12", True, math.nan, math.inf])
def test_alternative_fields_are_strict_numbers(path: str, value: Any) -> None:
    data = body(hydration={"body_mass_kg": 70})
    put(data, path, value)
    assert error_locations(data) == [path]


# --- conversion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "si_path", "expected"),
    [
        ("environment.temperature_f", 87.8, "environment.temperature_c", 31),
        ("environment.temperature_f", 32, "environment.temperature_c", 0),
        ("environment.temperature_f", -40, "environment.temperature_c", -40),
        ("hydration.fluid_intake_oz", 16, "hydration.fluid_intake_ml", 473.176),
        ("activity.distance_mi", 26.2, "activity.distance_km", 42.165),
        ("activity.elevation_gain_ft", 1000, "activity.elevation_gain_m", 304.8),
        ("activity.elevation_loss_ft", 3281, "activity.elevation_loss_m", 1000.049),
        ("hydration.body_mass_lb", 154, "hydration.body_mass_kg", 69.853),
        ("activity.distance_m", 95000, "activity.distance_km", 95),
        ("activity.distance_m", 1234.5678, "activity.distance_km", 1.235),
    ],
)
def test_other_units_become_si(path: str, value: float, si_path: str, expected: float) -> None:
    data = body()
    put(data, path, value)
    understood = WorkoutContext.model_validate(data).model_dump()
    assert get(understood, si_path) == expected  # rounded to 3 decimals, exactly
    assert get(understood, path) is None  # the other form is gone once converted


@pytest.mark.parametrize(
    ("hydration", "expected_pct"),
    [
        ({"body_mass_lb": 160, "body_mass_change_lb": -4}, -2.5),
        ({"body_mass_kg": 80, "body_mass_change_kg": -1.2}, -1.5),
        ({"body_mass_kg": 72.5748, "body_mass_change_lb": -4}, -2.5),
        ({"body_mass_lb": 160, "body_mass_change_kg": 0.7257}, 1.0),
    ],
)
def test_a_body_mass_change_becomes_a_percentage(
    hydration: dict[str, float], expected_pct: float
) -> None:
    understood = WorkoutContext.model_validate(body(hydration=hydration)).hydration
    assert understood.body_mass_change_pct == pytest.approx(expected_pct, abs=1e-3)
    assert understood.body_mass_kg is not None
    assert understood.body_mass_change_kg is None and understood.body_mass_change_lb is None


def test_a_body_mass_change_needs_the_body_mass() -> None:
    for field in ("body_mass_change_lb", "body_mass_change_kg"):
        assert error_locations(body(hydration={field: -2})) == [f"hydration.{field}"]


def test_a_change_outside_the_percentage_range_is_refused() -> None:
    data = body(hydration={"body_mass_lb": 120, "body_mass_change_lb": -30})  # -25 %
    assert error_locations(data) == ["hydration.body_mass_change_lb"]
    data = body(hydration={"body_mass_kg": 50, "body_mass_change_kg": 3})  # +6 %
    assert error_locations(data) == ["hydration.body_mass_change_kg"]


# --- both forms at once ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "si_value", "agreeing", "disagreeing"),
    [
        ("environment.temperature_f", 31, 88, 90),  # 88 °F = 31.1 °C; 90 °F = 32.2 °C
        ("hydration.fluid_intake_oz", 500, 17, 18),  # 502.8 ml; 532.3 ml
        ("activity.distance_mi", 21.1, 13.1, 13.5),  # 21.08 km (within 1 %); 21.73 km
        ("activity.elevation_gain_ft", 400, 1312, 1400),  # 399.9 m; 426.7 m
        ("activity.elevation_loss_ft", 400, 1315, 1400),
        ("hydration.body_mass_lb", 70, 154, 160),  # 69.85 kg; 72.57 kg
    ],
)
def test_both_forms_must_agree_and_the_si_one_is_kept(
    path: str, si_value: float, agreeing: float, disagreeing: float
) -> None:
    si_path = FROM_SI[path][0]
    data = body()
    put(data, si_path, si_value)
    put(data, path, agreeing)
    understood = WorkoutContext.model_validate(data).model_dump()
    assert get(understood, si_path) == si_value and get(understood, path) is None
    put(data, path, disagreeing)
    assert error_locations(data) == [path]


def test_a_change_must_agree_with_the_percentage_and_the_other_unit() -> None:
    base = {"body_mass_lb": 160, "body_mass_change_lb": -4}  # -2.5 %
    assert WorkoutContext.model_validate(
        body(hydration={**base, "body_mass_change_pct": -2.45, "body_mass_change_kg": -1.81})
    ).hydration.body_mass_change_pct == pytest.approx(-2.45)
    assert error_locations(body(hydration={**base, "body_mass_change_pct": -3.5})) == [
        "hydration.body_mass_change_lb"
    ]
    assert error_locations(body(hydration={**base, "body_mass_change_kg": -2.5})) == [
        "hydration.body_mass_change_lb"
    ]


def test_explicit_nulls_in_other_units_are_ignored() -> None:
    data = body(environment={"temperature_c": 20, "temperature_f": None})
    assert WorkoutContext.model_validate(data).environment.temperature_c == 20
    assert WorkoutContext.model_validate(body(hydration={"body_mass_change_lb": None}))


# --- same workout, same answer -------------------------------------------------------------

METRIC_HALF_MARATHON = body(
    activity={
        "type": "running",
        "duration_min": 110,
        "intensity_rpe": 8,
        "distance_km": 21.1,
        "elevation_gain_m": 150,
        "elevation_loss_m": 150,
    },
    environment={"temperature_c": 31, "humidity_pct": 60},
    hydration={"fluid_intake_ml": 250, "body_mass_kg": 68, "body_mass_change_pct": -2.5},
    symptoms={"timing": "after", "cramps": True},
)
# What a US app sends for the same race: its own rounded numbers.
IMPERIAL_HALF_MARATHON = body(
    activity={
        "type": "running",
        "duration_min": 110,
        "intensity_rpe": 8,
        "distance_mi": 13.1,
        "elevation_gain_ft": 492,
        "elevation_loss_ft": 492,
    },
    environment={"temperature_f": 88, "humidity_pct": 60},
    hydration={"fluid_intake_oz": 8.5, "body_mass_lb": 150, "body_mass_change_lb": -3.75},
    symptoms={"timing": "after", "cramps": True},
)


def test_a_rounded_imperial_workout_gets_the_same_answer_as_the_metric_one() -> None:
    engine = default_engine()
    metric = answer_without_id(engine, METRIC_HALF_MARATHON)
    imperial = answer_without_id(engine, IMPERIAL_HALF_MARATHON)
    assert [c["id"] for c in imperial["causes"]] == [c["id"] for c in metric["causes"]]
    assert imperial["triage"] == metric["triage"]
    assert [t["id"] for t in imperial["tips"]] == [t["id"] for t in metric["tips"]]
    for ours, theirs in zip(imperial["causes"], metric["causes"], strict=True):
        assert ours["score"] == pytest.approx(theirs["score"], abs=0.02)
    understood = imperial["normalized_context"]
    assert understood["environment"] == {"temperature_c": 31.111, "humidity_pct": 60}
    assert understood["activity"]["distance_km"] == 21.082
    assert understood["hydration"]["fluid_intake_ml"] == 251.375
    assert understood["hydration"]["body_mass_change_pct"] == -2.5
    assert "temperature_f" not in understood["environment"]


si_decimals = st.integers(0, 1000).map(lambda n: n / 1000)


@st.composite
def metric_and_imperial(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A random valid context (values rounded to 3 decimals, as converted values are) and the
    same context with a random choice of its fields sent in other units."""
    metric = draw(context_data)
    metric = {section: dict(fields) for section, fields in metric.items()}
    for path in SIMPLE:
        si_path = FROM_SI[path][0]
        if get(metric, si_path) is not None:
            # duration_min > 0 must stay valid once rounded
            put(metric, si_path, max(round(get(metric, si_path), 3), 0.001))
    imperial = {section: dict(fields) for section, fields in metric.items()}
    for si_path in sorted({si for si, _ in FROM_SI.values()}):
        others = [path for path in SIMPLE if FROM_SI[path][0] == si_path]
        path = draw(st.sampled_from(others), label=f"the other form of {si_path}")
        from_si = FROM_SI[path][1]
        value = get(metric, si_path)
        if value is None or not draw(st.booleans(), label=f"send {path}"):
            continue
        section, name = si_path.split(".")
        del imperial[section][name]
        if draw(st.booleans(), label="send both forms"):
            put(imperial, si_path, value)
        put(imperial, path, from_si(value))
    pct = get(metric, "hydration.body_mass_change_pct")
    if pct is not None and draw(st.booleans(), label="send the change in lb"):
        pct = round(pct, 3)
        put(metric, "hydration.body_mass_change_pct", pct)
        mass_lb = draw(st.floats(60, 600))
        del imperial["hydration"]["body_mass_change_pct"]
        put(imperial, "hydration.body_mass_change_lb", pct / 100 * mass_lb)
        if get(imperial, "hydration.body_mass_kg") is None:
            put(imperial, "hydration.body_mass_lb", mass_lb)
            put(metric, "hydration.body_mass_kg", round(mass_lb * KG_PER_LB, 3))
        else:  # the mass in kg was sent: the change must be relative to it
            mass_kg = get(imperial, "hydration.body_mass_kg")
            put(imperial, "hydration.body_mass_change_lb", pct / 100 * mass_kg / KG_PER_LB)
    return metric, imperial


@given(metric_and_imperial())
@SETTINGS
def test_any_workout_in_other_units_gets_exactly_the_metric_answer(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    metric, imperial = pair
    engine = default_engine()
    assert answer_without_id(engine, imperial) == answer_without_id(engine, metric)


@given(
    st.sampled_from(SIMPLE),
    st.floats(0, 1, allow_nan=False),
)
@SETTINGS
def test_any_value_in_range_converts_into_the_si_range(path: str, share: float) -> None:
    """Round trip: other unit -> SI -> other unit comes back within the rounding of 3 decimals."""
    si_path, from_si = FROM_SI[path]
    low, high, exclusive = bounds(path)
    value = low + share * (high - low)
    assume(value > low or not exclusive)
    assume(path != "activity.duration_s" or value >= 0.03)  # rounds to 0 min: no duration
    data = sent_as(path, value)
    converted = get(WorkoutContext.model_validate(data).model_dump(), si_path)
    si_low, si_high, _ = bounds(si_path)
    assert si_low <= converted <= si_high
    # 3 decimals of the SI unit, in the other unit (0.03 s for a minute, 0.5 m for a km)
    assert from_si(converted) == pytest.approx(value, abs=max(0.002, from_si(0.0005) * 1.01))


@given(st.floats(20 / KG_PER_LB, 300 / KG_PER_LB), st.floats(-15, 5))
@SETTINGS
def test_any_change_in_lb_gives_its_percentage(mass_lb: float, pct: float) -> None:
    change_lb = max(min(pct / 100 * mass_lb, 15 / KG_PER_LB), -45 / KG_PER_LB)
    data = body(hydration={"body_mass_lb": mass_lb, "body_mass_change_lb": change_lb})
    understood = WorkoutContext.model_validate(data).hydration
    assert understood.body_mass_change_pct == pytest.approx(100 * change_lb / mass_lb, abs=6e-4)
    assert understood.body_mass_kg == pytest.approx(mass_lb * KG_PER_LB, abs=6e-4)
