"""Warnings about values that are possible but unusual: worth a second look, never an error.

A value outside the schema's bounds is refused; one inside them but rarely seen in a workout
(45 °C, ten hours, six litres of drink) is accepted and answered, with a warning that names
the field, because it is often a unit mix-up (°F sent as °C, ounces as millilitres).

The checks read the flattened context (SI values only) and depend on the code, not on the
content version, so their texts live here rather than in the bundle: one text per locale, the
English one being the fallback for a locale without its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.workout.vocabulary import ActivityType

WARNING_FALLBACK_LOCALE = "en"

# Average speeds (km/h) beyond which a distance is more likely in the wrong unit than real.
MAX_PLAUSIBLE_SPEED_KMH: dict[str, float] = {
    ActivityType.RUNNING: 25.0,
    ActivityType.WALKING: 12.0,
    ActivityType.HIKING: 12.0,
    ActivityType.SWIMMING: 8.0,
    ActivityType.ROWING: 25.0,
    ActivityType.CYCLING: 60.0,
}


Bound = tuple[str, str, float]
"""(field path, ">" or "<", limit): the common check, a value beyond a limit."""


def _above(path: str, limit: float) -> Bound:
    return (path, ">", limit)


def _below(path: str, limit: float) -> Bound:
    return (path, "<", limit)


def _average_above_maximum(values: Mapping[str, Any]) -> bool:
    average = values.get("activity.avg_heart_rate_bpm")
    maximum = values.get("activity.max_heart_rate_bpm")
    return average is not None and maximum is not None and average > maximum


def _implausible_speed(values: Mapping[str, Any]) -> bool:
    distance = values.get("activity.distance_km")
    limit = MAX_PLAUSIBLE_SPEED_KMH.get(values["activity.type"])
    if distance is None or limit is None:
        return False
    speed: float = distance / values["derived.duration_h"]  # at least a second, never 0
    return speed > limit


@dataclass(frozen=True, slots=True)
class PlausibilityCheck:
    code: str
    field: str
    test: Bound | Callable[[Mapping[str, Any]], bool]  # a bound, or a function for the rest
    messages: Mapping[str, str]  # locale -> text


CHECKS: tuple[PlausibilityCheck, ...] = (
    PlausibilityCheck(
        "temperature_very_high",
        "environment.temperature_c",
        _above("environment.temperature_c", 45.0),
        {
            "en": "Above 45 °C is extreme heat for a workout. If the value is in °F, send it "
            "as temperature_f instead.",
            "es": "Más de 45 °C es un calor extremo para entrenar. Si el valor está en °F, "
            "envíalo como temperature_f.",
        },
    ),
    PlausibilityCheck(
        "temperature_very_low",
        "environment.temperature_c",
        _below("environment.temperature_c", -30.0),
        {
            "en": "Below -30 °C is extreme cold for a workout; please check the value and "
            "its unit (°C).",
            "es": "Menos de -30 °C es un frío extremo para entrenar; comprueba el valor y su "
            "unidad (°C).",
        },
    ),
    PlausibilityCheck(
        "duration_very_long",
        "activity.duration_min",
        _above("activity.duration_min", 600.0),
        {
            "en": "A session of more than ten hours is rare; check that the duration is in "
            "minutes.",
            "es": "Una sesión de más de diez horas es poco habitual; comprueba que la duración "
            "esté en minutos.",
        },
    ),
    PlausibilityCheck(
        "fluid_very_high",
        "hydration.fluid_intake_ml",
        _above("hydration.fluid_intake_ml", 6000.0),
        {
            "en": "More than 6 litres drunk in one session is very unusual; check that the "
            "amount is in millilitres (send fluid ounces as fluid_intake_oz).",
            "es": "Beber más de 6 litros en una sola sesión es muy poco habitual; comprueba "
            "que la cantidad esté en mililitros (las onzas líquidas van en fluid_intake_oz).",
        },
    ),
    PlausibilityCheck(
        "body_mass_loss_very_large",
        "hydration.body_mass_change_pct",
        _below("hydration.body_mass_change_pct", -8.0),
        {
            "en": "Losing more than 8 % of body mass in one session is rarely seen; check that "
            "the value is a percentage of body mass, not kg or lb.",
            "es": "Perder más de un 8 % del peso corporal en una sola sesión es muy raro; "
            "comprueba que el valor sea un porcentaje del peso y no kg ni libras.",
        },
    ),
    PlausibilityCheck(
        "body_mass_gain_large",
        "hydration.body_mass_change_pct",
        _above("hydration.body_mass_change_pct", 3.0),
        {
            "en": "Gaining more than 3 % of body mass during a session is unusual; check the "
            "value and its sign (negative means a loss).",
            "es": "Ganar más de un 3 % de peso corporal durante una sesión es poco habitual; "
            "comprueba el valor y el signo (negativo significa pérdida).",
        },
    ),
    PlausibilityCheck(
        "average_heart_rate_above_maximum",
        "activity.avg_heart_rate_bpm",
        _average_above_maximum,
        {
            "en": "The average heart rate is higher than the maximum heart rate given; "
            "please check both values.",
            "es": "La frecuencia cardiaca media es mayor que la máxima indicada; comprueba "
            "los dos valores.",
        },
    ),
    PlausibilityCheck(
        "speed_implausible",
        "activity.distance_km",
        _implausible_speed,
        {
            "en": "Distance and duration give an average speed that is unusual for this "
            "activity; check that the distance is in km (send miles as distance_mi).",
            "es": "La distancia y la duración dan una velocidad media poco habitual para esta "
            "actividad; comprueba que la distancia esté en km (las millas van en distance_mi).",
        },
    ),
    PlausibilityCheck(
        "carbs_per_hour_very_high",
        "nutrition.carbs_g_per_hour",
        _above("nutrition.carbs_g_per_hour", 150.0),
        {
            "en": "More than 150 g of carbohydrate per hour is far above what the gut usually "
            "absorbs; check that the value is grams per hour.",
            "es": "Más de 150 g de carbohidratos por hora supera con mucho lo que el intestino "
            "suele absorber; comprueba que el valor sea en gramos por hora.",
        },
    ),
)


def warning_message(check: PlausibilityCheck, locale: str) -> tuple[str, bool]:
    """The check's text in `locale`, else in English; the flag says it fell back."""
    text = check.messages.get(locale)
    if text is not None:
        return text, False
    return check.messages[WARNING_FALLBACK_LOCALE], True
