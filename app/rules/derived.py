"""Quantities computed from the context once per request, so every rule sees the same numbers.

Each estimate is built to move in the direction the physiology does (more heat, effort or time
never means less sweat; more drink never means a larger deficit), because the rules rely on
that to stay monotone. A derived value is left out when the inputs it needs are missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from app.workout.vocabulary import ActivityType

FieldValue = float | bool | str | Sequence[str]
"""A flattened context value: numbers, booleans, enum values (str) and lists of them."""

Flat = dict[str, Any]
"""A flattened context being built: `FieldValue`s, typed Any to spare casts on the hot path."""

ASSUMED_HUMIDITY_PCT = 50.0  # a middling value when only the temperature is known
ASSUMED_APPARENT_TEMPERATURE_C = 20.0  # temperate conditions when nothing is known
LOAD_SPIKE_PCT = 30.0  # acute load a third above usual is where injury and fatigue risk climb
WEEKS_OFF_FOR_DETRAINING = 2.0
# A hot session: the apparent temperature at which exertional heat illness becomes a real risk,
# the effort (CR10) that makes heat rather than the weather the body's problem, and how
# recent an illness must be for a high reading to be read as fever instead.
HOT_APPARENT_TEMPERATURE_C = 26.0
HOT_SESSION_MIN_RPE = 4.0
RECENT_ILLNESS_DAYS = 14.0
GLUCOSE_LOWERING_CLASSES: frozenset[str] = frozenset({"insulin", "sulfonylurea"})

ENDURANCE_TYPES: frozenset[str] = frozenset(
    {
        ActivityType.RUNNING,
        ActivityType.CYCLING,
        ActivityType.WALKING,
        ActivityType.HIKING,
        ActivityType.SWIMMING,
        ActivityType.ROWING,
        ActivityType.TEAM_SPORT,
    }
)
# Typical effort (CR10) of a session when neither effort nor heart rate is reported.
TYPICAL_RPE: dict[str, float] = {
    ActivityType.RUNNING: 6.0,
    ActivityType.CYCLING: 5.0,
    ActivityType.WALKING: 3.0,
    ActivityType.HIKING: 5.0,
    ActivityType.SWIMMING: 5.0,
    ActivityType.ROWING: 6.0,
    ActivityType.STRENGTH_TRAINING: 6.0,
    ActivityType.HIIT: 8.0,
    ActivityType.TEAM_SPORT: 7.0,
    ActivityType.YOGA: 3.0,
    ActivityType.OTHER: 5.0,
}
# Water carries heat away far better than air, so swimmers sweat much less for the same work.
SWEAT_FACTOR: dict[str, float] = {ActivityType.SWIMMING: 0.5}


def apparent_temperature_c(temperature_c: float, humidity_pct: float) -> float:
    """Steadman's apparent temperature without wind; rises with temperature and humidity."""
    vapour_pressure_hpa = (
        humidity_pct / 100 * 6.105 * math.exp(17.27 * temperature_c / (237.7 + temperature_c))
    )
    return temperature_c + 0.33 * vapour_pressure_hpa - 4.0


def estimated_max_heart_rate(age_years: float) -> float:
    """Tanaka's age formula, used only when the athlete's own maximum is not known."""
    return 208.0 - 0.7 * age_years


def sweat_rate_ml_per_hour(intensity_rpe: float, apparent_c: float, activity: str) -> float:
    """A population-typical sweat rate: ~0.5 l/h at easy effort up to ~2 l/h hard in the heat."""
    heat_factor = min(max(0.6 + 0.04 * (apparent_c - 10.0), 0.6), 2.0)
    return (200.0 + 100.0 * intensity_rpe) * heat_factor * SWEAT_FACTOR.get(activity, 1.0)


def add_derived(flat: Flat) -> None:
    """Add the `derived.*` values to a flattened context that holds its input fields."""
    get = flat.get
    activity = flat["activity.type"]
    # At least a second: rates over less are meaningless, and a tiny float would underflow to 0.
    hours = max(flat["activity.duration_min"] / 60.0, 1 / 3600)
    flat["derived.duration_h"] = hours
    flat["derived.is_endurance"] = activity in ENDURANCE_TYPES
    sets = get("activity.sets")
    flat["derived.is_resistance"] = activity == ActivityType.STRENGTH_TRAINING or bool(sets)

    temperature = get("environment.temperature_c")
    apparent: float | None = None
    if temperature is not None:
        humidity = get("environment.humidity_pct")
        apparent = apparent_temperature_c(
            temperature, ASSUMED_HUMIDITY_PCT if humidity is None else humidity
        )
        flat["derived.heat_index_c"] = apparent

    hr_pct = _heart_rate_pct_max(flat)
    if hr_pct is not None:
        flat["derived.hr_pct_max"] = hr_pct

    intensity = get("activity.intensity_rpe")
    if intensity is None:
        # Heart rate reserve maps roughly linearly onto CR10: 50 % of max ~ 0, 100 % ~ 10.
        intensity = (
            min(max((hr_pct - 50.0) / 5.0, 0.0), 10.0)
            if hr_pct is not None
            else TYPICAL_RPE[activity]
        )
    sweat = hours * sweat_rate_ml_per_hour(
        intensity, ASSUMED_APPARENT_TEMPERATURE_C if apparent is None else apparent, activity
    )
    flat["derived.estimated_sweat_loss_ml"] = sweat
    if apparent is not None:
        # A high reading after hard work in the heat is heat illness, not fever, unless an
        # illness is reported: then it may be either, and fever rules keep their say.
        flat["derived.hot_exertion_without_illness"] = (
            apparent >= HOT_APPARENT_TEMPERATURE_C
            and intensity >= HOT_SESSION_MIN_RPE
            and not _illness_reported(flat)
        )

    fluid = get("hydration.fluid_intake_ml")
    if fluid is not None:
        flat["derived.estimated_fluid_deficit_ml"] = max(sweat - fluid, 0.0)
        # Drinking well beyond what was sweated is how exercise-associated hyponatraemia
        # happens, in mild weather as much as in the heat.
        flat["derived.estimated_fluid_surplus_ml"] = max(fluid - sweat, 0.0)
        flat["derived.fluid_ml_per_hour"] = fluid / hours

    pre_carbs = get("nutrition.pre_workout_carbs_g")
    carbs_per_hour = get("nutrition.carbs_g_per_hour")
    if pre_carbs is not None or carbs_per_hour is not None:
        flat["derived.carbs_total_g"] = (pre_carbs or 0.0) + (carbs_per_hour or 0.0) * hours

    reps = get("activity.reps_per_set")
    if sets is not None and reps is not None:
        flat["derived.total_reps"] = sets * reps

    spike = _training_load_spike(flat)
    if spike is not None:
        flat["derived.training_load_spike"] = spike

    lowering = _glucose_lowering(flat)
    if lowering is not None:
        flat["derived.glucose_lowering_medication"] = lowering


def _illness_reported(flat: Flat) -> bool:
    get = flat.get
    days = get("health.recent_illness_days")
    if days is not None and days <= RECENT_ILLNESS_DAYS:
        return True
    return "fever" in (get("symptoms.associated") or ())


def _glucose_lowering(flat: Flat) -> bool | None:
    """Insulin or a sulfonylurea, whether said in so many words or named among the medicines;
    None when neither was said."""
    get = flat.get
    medications = get("health.medications")
    if medications and not GLUCOSE_LOWERING_CLASSES.isdisjoint(medications):
        return True
    said: bool | None = get("health.glucose_lowering_medication")
    return said


def _heart_rate_pct_max(flat: Flat) -> float | None:
    get = flat.get
    average = get("activity.avg_heart_rate_bpm")
    if average is None:
        return None
    maximum = get("activity.max_heart_rate_bpm")
    if maximum is None:
        age = get("athlete.age_years")
        if age is None:
            return None
        maximum = estimated_max_heart_rate(age)
    pct: float = 100.0 * average / maximum
    return pct


def _training_load_spike(flat: Flat) -> bool | None:
    """A sudden jump in load, or a return after time off or injury; None when nothing is known."""
    get = flat.get
    change = get("training.load_change_pct")
    weeks_off = get("training.returning_after_weeks_off")
    injury = get("training.returning_from_injury")
    if change is None and weeks_off is None and injury is None:
        return None
    return (
        (change is not None and change >= LOAD_SPIKE_PCT)
        or (weeks_off is not None and weeks_off >= WEEKS_OFF_FOR_DETRAINING)
        or injury is True
    )
