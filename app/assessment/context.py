"""The workout context: what a fitness app tells us about one session, validated once.

Only `activity.type` and `activity.duration_min` are required, because an answer must be
useful from whatever an app can fill in automatically. Units are part of every name so that
clients cannot mix them up. Unknown keys are ignored at every level so that an older server
still accepts a newer app's payload; numbers and booleans must arrive as JSON numbers and
booleans, so that `"yes"` or `"12"` is reported rather than guessed at.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator

Number = Annotated[float, Strict()]  # a JSON integer is accepted too
Count = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
T = TypeVar("T")


class ActivityType(StrEnum):
    RUNNING = "running"
    CYCLING = "cycling"
    WALKING = "walking"
    HIKING = "hiking"
    SWIMMING = "swimming"
    ROWING = "rowing"
    STRENGTH_TRAINING = "strength_training"
    HIIT = "hiit"
    TEAM_SPORT = "team_sport"
    YOGA = "yoga"
    OTHER = "other"


class FitnessLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class SymptomTiming(StrEnum):
    DURING = "during"
    AFTER = "after"
    BOTH = "both"


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class BodyPart(StrEnum):
    QUADRICEPS = "quadriceps"
    HAMSTRINGS = "hamstrings"
    CALVES = "calves"
    GLUTES = "glutes"
    SHINS = "shins"
    FEET = "feet"
    HIP_FLEXORS = "hip_flexors"
    ADDUCTORS = "adductors"
    KNEES = "knees"
    WHOLE_LEGS = "whole_legs"
    OTHER = "other"


class AssociatedSymptom(StrEnum):
    CHEST_PAIN = "chest_pain"
    FAINTING = "fainting"
    CONFUSION = "confusion"
    DARK_URINE = "dark_urine"
    ONE_SIDED_WEAKNESS = "one_sided_weakness"
    NUMBNESS = "numbness"
    SEVERE_HEADACHE = "severe_headache"
    DIFFICULTY_BREATHING = "difficulty_breathing"
    VOMITING = "vomiting"
    HIGH_BODY_TEMPERATURE = "high_body_temperature"


def _squash(name: str) -> str:
    """Lowercase without separators, so `STRENGTH_TRAINING` and `strengthTraining` meet."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Apple HealthKit (HKWorkoutActivityType...) and Android Health Connect (EXERCISE_TYPE_...)
# names, so that apps can forward the platform's workout type unchanged.
_PLATFORM_NAMES: dict[ActivityType, tuple[str, ...]] = {
    ActivityType.RUNNING: ("running_treadmill", "trackAndField"),
    ActivityType.CYCLING: ("biking", "biking_stationary", "handCycling"),
    ActivityType.WALKING: ("wheelchairWalkPace",),
    ActivityType.HIKING: ("snowshoeing",),
    ActivityType.SWIMMING: ("swimming_pool", "swimming_open_water"),
    ActivityType.ROWING: ("rowing_machine", "paddling", "paddleSports"),
    ActivityType.STRENGTH_TRAINING: (
        "traditionalStrengthTraining",
        "functionalStrengthTraining",
        "coreTraining",
        "weightlifting",
        "calisthenics",
    ),
    ActivityType.HIIT: ("highIntensityIntervalTraining", "crossTraining", "boot_camp"),
    ActivityType.TEAM_SPORT: (
        "soccer",
        "basketball",
        "americanFootball",
        "football_american",
        "australianFootball",
        "football_australian",
        "rugby",
        "handball",
        "hockey",
        "ice_hockey",
        "roller_hockey",
        "lacrosse",
        "volleyball",
        "baseball",
        "softball",
        "cricket",
        "waterPolo",
        "discSports",
        "frisbee_disc",
    ),
    ActivityType.YOGA: ("pilates", "mindAndBody", "flexibility", "stretching", "taiChi"),
    ActivityType.OTHER: ("other_workout",),
}
_ACTIVITY_ALIASES: dict[str, ActivityType] = {
    _squash(name): kind
    for kind in ActivityType
    for name in (kind.value, *_PLATFORM_NAMES.get(kind, ()))
}
_PLATFORM_PREFIXES = ("hkworkoutactivitytype", "exercisetype")


def parse_activity_type(raw: str) -> ActivityType:
    """Map our names and platform workout names to a type; an unknown name becomes `other`.

    Platforms add workout types every year; a new one must not make the whole request fail.
    """
    key = _squash(raw)
    for prefix in _PLATFORM_PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key.removeprefix(prefix)
    return _ACTIVITY_ALIASES.get(key, ActivityType.OTHER)


def _unique(items: list[T]) -> list[T]:
    """Drop repeated list entries (first one wins): a symptom counts once however often sent."""
    return list(dict.fromkeys(items))


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


class Activity(_Section):
    """The session itself."""

    type: ActivityType = Field(
        description=(
            "Kind of workout. Apple HealthKit and Android Health Connect workout names are "
            "accepted too (e.g. `traditionalStrengthTraining`, `BIKING_STATIONARY`); an "
            "unrecognised name is treated as `other`."
        ),
    )
    duration_min: Number = Field(gt=0, le=1440, description="Duration of the session in minutes.")
    intensity_rpe: Number | None = Field(
        None, ge=0, le=10, description="Perceived effort on the Borg CR10 scale (0 rest, 10 max)."
    )
    avg_heart_rate_bpm: Number | None = Field(
        None, ge=25, le=250, description="Average heart rate over the session, beats per minute."
    )
    max_heart_rate_bpm: Number | None = Field(
        None,
        ge=25,
        le=250,
        description="The athlete's maximum heart rate (measured or known), beats per minute.",
    )
    distance_km: Number | None = Field(None, ge=0, le=1000, description="Distance covered, km.")
    elevation_gain_m: Number | None = Field(
        None, ge=0, le=10000, description="Total climbing during the session, metres."
    )
    elevation_loss_m: Number | None = Field(
        None, ge=0, le=10000, description="Total descent during the session, metres."
    )
    sets: Count | None = Field(None, ge=0, le=100, description="Working sets for the legs.")
    reps_per_set: Count | None = Field(
        None, ge=0, le=1000, description="Repetitions in a typical working set."
    )
    load_pct_1rm: Number | None = Field(
        None, ge=0, le=120, description="Load as a percentage of the one-repetition maximum."
    )
    to_failure: Flag | None = Field(
        None, description="Whether sets were taken to (or very near) muscular failure."
    )

    @field_validator("type", mode="before")
    @classmethod
    def _platform_names(cls, value: Any) -> Any:
        return parse_activity_type(value) if isinstance(value, str) else value


class Environment(_Section):
    """Where the session took place."""

    temperature_c: Number | None = Field(None, ge=-40, le=60, description="Air temperature, °C.")
    humidity_pct: Number | None = Field(
        None, ge=0, le=100, description="Relative humidity, percent."
    )


class Hydration(_Section):
    """Fluid balance around the session."""

    fluid_intake_ml: Number | None = Field(
        None, ge=0, le=20000, description="Fluid drunk during the session, ml."
    )
    body_mass_change_pct: Number | None = Field(
        None,
        ge=-15,
        le=5,
        description="Body mass change from before to after the session, percent (negative = loss).",
    )
    electrolytes_taken: Flag | None = Field(
        None, description="Whether drinks, gels or tablets with sodium were taken during it."
    )
    urine_color: Count | None = Field(
        None, ge=1, le=8, description="Urine colour on the 8-shade chart: 1 pale to 8 dark."
    )


class Nutrition(_Section):
    """Food and carbohydrate around the session."""

    hours_since_last_meal: Number | None = Field(
        None, ge=0, le=72, description="Hours between the last meal and the start of the session."
    )
    pre_workout_carbs_g: Number | None = Field(
        None, ge=0, le=1000, description="Carbohydrate eaten in the 4 hours before, grams."
    )
    carbs_g_per_hour: Number | None = Field(
        None, ge=0, le=300, description="Carbohydrate taken during the session, grams per hour."
    )
    fasted: Flag | None = Field(
        None, description="Whether the session was done on an empty stomach."
    )


class Preparation(_Section):
    """Warm-up and cool-down."""

    warmup_min: Number | None = Field(None, ge=0, le=240, description="Warm-up length, minutes.")
    cooldown_min: Number | None = Field(
        None, ge=0, le=240, description="Cool-down length, minutes."
    )


class Training(_Section):
    """Training background, which decides how demanding the session was for this athlete."""

    fitness_level: FitnessLevel | None = Field(None, description="Self-rated fitness level.")
    sessions_per_week: Count | None = Field(
        None, ge=0, le=21, description="Usual number of training sessions per week."
    )
    load_change_pct: Number | None = Field(
        None,
        ge=-100,
        le=1000,
        description="This week's training load compared with the usual week, percent change.",
    )
    consecutive_training_days: Count | None = Field(
        None, ge=0, le=365, description="Days in a row with training, including today."
    )
    returning_after_weeks_off: Number | None = Field(
        None, ge=0, le=520, description="Weeks without training before this session (0 = none)."
    )
    returning_from_injury: Flag | None = Field(
        None, description="Whether training is resuming after an injury."
    )


class Athlete(_Section):
    """The person, as far as it changes the interpretation."""

    age_years: Count | None = Field(None, ge=10, le=110, description="Age in years.")
    sleep_hours: Number | None = Field(
        None, ge=0, le=24, description="Sleep in the night before the session, hours."
    )


class Symptoms(_Section):
    """The shaking itself and anything that came with it."""

    timing: SymptomTiming | None = Field(
        None, description="When the shaking happened: during the session, after it, or both."
    )
    duration_min: Number | None = Field(
        None, ge=0, le=10080, description="How long the shaking lasted, minutes."
    )
    severity: Severity | None = Field(None, description="How strong the shaking was.")
    body_parts: list[BodyPart] | None = Field(
        None, max_length=12, description="Where the shaking was felt."
    )
    cramps: Flag | None = Field(None, description="Whether muscle cramps came with the shaking.")
    persisting_days: Count | None = Field(
        None,
        ge=0,
        le=365,
        description="Days the shaking has continued at rest after the session (0 = it stopped).",
    )
    recurrent: Flag | None = Field(
        None, description="Whether this has happened after several recent workouts."
    )
    associated: list[AssociatedSymptom] | None = Field(
        None,
        max_length=12,
        description=(
            "Other symptoms at the same time (an empty list means none); several of them "
            "need medical care."
        ),
    )

    @field_validator("body_parts", "associated", mode="after")
    @classmethod
    def _deduplicate(cls, items: list[Any] | None) -> list[Any] | None:
        return None if items is None else _unique(items)


class WorkoutContext(_Section):
    """Everything known about one workout; the engine never needs more than this."""

    activity: Activity = Field(description="The session itself (required).")
    environment: Environment = Field(default_factory=Environment, description="Weather conditions.")
    hydration: Hydration = Field(default_factory=Hydration, description="Fluid balance.")
    nutrition: Nutrition = Field(default_factory=Nutrition, description="Food and carbohydrate.")
    preparation: Preparation = Field(
        default_factory=Preparation, description="Warm-up and cool-down."
    )
    training: Training = Field(default_factory=Training, description="Training background.")
    athlete: Athlete = Field(default_factory=Athlete, description="The person.")
    symptoms: Symptoms = Field(default_factory=Symptoms, description="The shaking itself.")
