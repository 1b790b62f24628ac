"""The workout context: what a fitness app tells us about one session, validated once.

Only `activity.type` and `activity.duration_min` are required: an answer must be useful from
whatever an app can fill in. Units are in every name; values in other units (`temperature_f`,
`distance_mi`, ...) are converted into their SI field during validation, so rules only ever
see SI values. Numbers and booleans must arrive as JSON numbers and booleans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

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
    DIZZINESS = "dizziness"
    PALPITATIONS = "palpitations"
    SEIZURE = "seizure"
    SEVERE_MUSCLE_PAIN = "severe_muscle_pain"
    MUSCLE_SWELLING = "muscle_swelling"
    FEVER = "fever"
    SHIVERING = "shivering"
    ONE_SIDED_NUMBNESS = "one_sided_numbness"
    CHEST_TIGHTNESS = "chest_tightness"
    SHORTNESS_OF_BREATH = "shortness_of_breath"
    WHEEZE = "wheeze"
    HIVES = "hives"
    THROAT_SWELLING = "throat_swelling"
    NAUSEA = "nausea"
    AGITATION = "agitation"
    HEAVY_SWEATING = "heavy_sweating"
    SLURRED_SPEECH = "slurred_speech"
    FACIAL_DROOP = "facial_droop"
    MUSCLE_RIGIDITY = "muscle_rigidity"


class Diabetes(StrEnum):
    NONE = "none"
    TYPE1 = "type1"
    TYPE2 = "type2"


class Medication(StrEnum):
    """Drug classes that cause tremor or change the risks of exercise (what rules read)."""

    BETA2_AGONIST = "beta2_agonist"  # reliever and controller inhalers: tremor
    STIMULANT = "stimulant"  # ADHD medicines, decongestants: tremor, fast heart
    THYROID_HORMONE = "thyroid_hormone"  # too high a dose: tremor
    LITHIUM = "lithium"
    VALPROATE = "valproate"
    SSRI = "ssri"
    SNRI = "snri"
    THEOPHYLLINE = "theophylline"
    CORTICOSTEROID = "corticosteroid"
    STATIN = "statin"  # muscle pain and, rarely, muscle breakdown
    DIURETIC = "diuretic"  # low sodium and potassium
    BETA_BLOCKER = "beta_blocker"  # blunts heart rate and the warning signs of a low
    INSULIN = "insulin"  # low blood sugar
    SULFONYLUREA = "sulfonylurea"  # low blood sugar
    OTHER = "other"


# Common generic names, so an app can send what is on the box; each stands for its class.
_MEDICATION_NAMES: dict[Medication, tuple[str, ...]] = {
    Medication.BETA2_AGONIST: (
        "salbutamol",
        "albuterol",
        "levalbuterol",
        "terbutaline",
        "formoterol",
        "salmeterol",
        "vilanterol",
        "indacaterol",
        "olodaterol",
    ),
    Medication.STIMULANT: (
        "methylphenidate",
        "amphetamine",
        "dexamfetamine",
        "dextroamphetamine",
        "lisdexamfetamine",
        "modafinil",
        "pseudoephedrine",
        "ephedrine",
    ),
    Medication.THYROID_HORMONE: ("levothyroxine", "liothyronine", "thyroxine"),
    Medication.LITHIUM: ("lithium_carbonate",),
    Medication.VALPROATE: ("valproic_acid", "sodium_valproate", "divalproex"),
    Medication.SSRI: ("fluoxetine", "sertraline", "citalopram", "escitalopram", "paroxetine"),
    Medication.SNRI: ("venlafaxine", "duloxetine", "desvenlafaxine"),
    Medication.THEOPHYLLINE: ("aminophylline",),
    Medication.CORTICOSTEROID: (
        "prednisone",
        "prednisolone",
        "dexamethasone",
        "hydrocortisone",
        "methylprednisolone",
    ),
    Medication.STATIN: ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin"),
    Medication.DIURETIC: (
        "hydrochlorothiazide",
        "chlorthalidone",
        "indapamide",
        "furosemide",
        "bumetanide",
    ),
    Medication.BETA_BLOCKER: ("propranolol", "metoprolol", "atenolol", "bisoprolol"),
    Medication.INSULIN: (),
    Medication.SULFONYLUREA: ("gliclazide", "glimepiride", "glipizide", "glibenclamide"),
}
_MEDICATION_ALIASES: dict[str, Medication] = {
    name: kind for kind in Medication for name in (kind.value, *_MEDICATION_NAMES.get(kind, ()))
}
MEDICATIONS_HINT = (
    "use a drug class ("
    + ", ".join(kind.value for kind in Medication)
    + ") or a common generic name such as salbutamol, levothyroxine or sertraline"
)
GLUCOSE_MG_DL_PER_MMOL_L = 18.016  # glucose's molar mass, 180.16 g/mol


def parse_medication(raw: Any) -> Any:
    """A drug class, or the class of a known generic name (case and separators ignored)."""
    if not isinstance(raw, str) or len(raw) > 60:
        return raw
    key = re.sub(r"[^a-z0-9]+", "_", raw.lower()).strip("_")
    return _MEDICATION_ALIASES.get(key, raw)


def _squash(name: str) -> str:
    """Lowercase without separators, so `STRENGTH_TRAINING` and `strengthTraining` meet."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Apple HealthKit (HKWorkoutActivityType...) and Android Health Connect (EXERCISE_TYPE_...)
# workout names, so that apps can forward the platform's workout type unchanged. Every type of
# both platforms is listed; those without a closer match here are `other`.
_PLATFORM_NAMES: dict[ActivityType, tuple[str, ...]] = {
    ActivityType.RUNNING: ("running_treadmill", "trackAndField", "wheelchairRunPace"),
    ActivityType.CYCLING: ("biking", "biking_stationary", "handCycling"),
    ActivityType.WALKING: ("wheelchairWalkPace", "wheelchair"),
    ActivityType.HIKING: (
        "snowshoeing",
        "stairClimbing",
        "stairs",
        "stair_climbing",
        "stair_climbing_machine",
    ),
    ActivityType.SWIMMING: ("swimming_pool", "swimming_open_water", "waterFitness"),
    ActivityType.ROWING: ("rowing_machine", "paddling", "paddleSports"),
    ActivityType.STRENGTH_TRAINING: (
        "traditionalStrengthTraining",
        "functionalStrengthTraining",
        "coreTraining",
        "weightlifting",
        "calisthenics",
    ),
    ActivityType.HIIT: (
        "highIntensityIntervalTraining",
        "crossTraining",
        "boot_camp",
        "mixedCardio",
        "mixedMetabolicCardioTraining",
        "jumpRope",
    ),
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
    ActivityType.YOGA: (
        "pilates",
        "mindAndBody",
        "flexibility",
        "stretching",
        "taiChi",
        "barre",
        "preparationAndRecovery",
        "cooldown",
        "guided_breathing",
    ),
    ActivityType.OTHER: (
        "other_workout",
        "archery",
        "badminton",
        "bowling",
        "boxing",
        "kickboxing",
        "climbing",
        "rock_climbing",
        "curling",
        "dance",
        "dancing",
        "danceInspiredTraining",
        "cardioDance",
        "socialDance",
        "elliptical",
        "equestrianSports",
        "exercise_class",
        "fencing",
        "fishing",
        "fitnessGaming",
        "golf",
        "gymnastics",
        "hunting",
        "martialArts",
        "wrestling",
        "play",
        "racquetball",
        "squash",
        "tennis",
        "tableTennis",
        "pickleball",
        "sailing",
        "surfingSports",
        "surfing",
        "waterSports",
        "underwaterDiving",
        "scuba_diving",
        "paragliding",
        "skatingSports",
        "skating",
        "ice_skating",
        "snowSports",
        "skiing",
        "crossCountrySkiing",
        "downhillSkiing",
        "snowboarding",
        "stepTraining",
        "swimBikeRun",
        "transition",
    ),
}
# Strava sport types (SportType) and Garmin Connect activity type keys, for apps that forward
# a synced activity. A name that squashes to a key listed above must mean the same type here
# (`_aliases` checks it), so `Elliptical` is `other` wherever it comes from.
_STRAVA_NAMES: dict[ActivityType, tuple[str, ...]] = {
    ActivityType.RUNNING: ("Run", "TrailRun", "VirtualRun"),
    ActivityType.CYCLING: (
        "Ride",
        "VirtualRide",
        "MountainBikeRide",
        "GravelRide",
        "EBikeRide",
        "EMountainBikeRide",
        "Handcycle",
        "Velomobile",
    ),
    ActivityType.WALKING: ("Walk", "Wheelchair"),
    ActivityType.HIKING: ("Hike", "Snowshoe", "StairStepper"),
    ActivityType.SWIMMING: ("Swim",),
    ActivityType.ROWING: ("Rowing", "VirtualRow", "Canoeing", "Kayaking", "StandUpPaddling"),
    ActivityType.STRENGTH_TRAINING: ("WeightTraining",),
    ActivityType.HIIT: ("Crossfit", "HighIntensityIntervalTraining"),
    ActivityType.TEAM_SPORT: ("Soccer", "Basketball", "Volleyball", "Cricket"),
    ActivityType.YOGA: ("Yoga", "Pilates"),
    ActivityType.OTHER: (
        "Workout",
        "Elliptical",
        "AlpineSki",
        "BackcountrySki",
        "NordicSki",
        "RollerSki",
        "Snowboard",
        "IceSkate",
        "InlineSkate",
        "Skateboard",
        "Kitesurf",
        "Windsurf",
        "Surfing",
        "Sail",
        "RockClimbing",
        "Golf",
        "Tennis",
        "TableTennis",
        "Badminton",
        "Squash",
        "Racquetball",
        "Pickleball",
        "Padel",
        "Dance",
    ),
}
_GARMIN_NAMES: dict[ActivityType, tuple[str, ...]] = {
    ActivityType.RUNNING: (
        "running",
        "trail_running",
        "treadmill_running",
        "track_running",
        "street_running",
        "indoor_running",
        "virtual_run",
        "ultra_run",
        "obstacle_run",
    ),
    ActivityType.CYCLING: (
        "cycling",
        "road_biking",
        "indoor_cycling",
        "mountain_biking",
        "gravel_cycling",
        "virtual_ride",
        "cyclocross",
        "track_cycling",
        "recumbent_cycling",
        "bmx",
        "e_bike_fitness",
        "e_bike_mountain",
        "hand_cycling",
        "indoor_hand_cycling",
    ),
    ActivityType.WALKING: ("walking", "casual_walking", "speed_walking", "indoor_walking"),
    ActivityType.HIKING: ("hiking", "mountaineering", "stair_climbing", "floor_climbing"),
    ActivityType.SWIMMING: ("swimming", "lap_swimming", "open_water_swimming"),
    ActivityType.ROWING: (
        "rowing",
        "indoor_rowing",
        "kayaking",
        "stand_up_paddleboarding",
        "paddling",
    ),
    ActivityType.STRENGTH_TRAINING: ("strength_training",),
    ActivityType.HIIT: ("hiit", "cardio", "indoor_cardio"),
    ActivityType.TEAM_SPORT: ("soccer", "basketball", "volleyball", "rugby", "cricket"),
    ActivityType.YOGA: ("yoga", "pilates", "breathwork"),
    ActivityType.OTHER: (
        "other",
        "elliptical",
        "fitness_equipment",
        "multi_sport",
        "triathlon",
        "duathlon",
        "transition",
        "rock_climbing",
        "bouldering",
        "indoor_climbing",
        "resort_skiing_snowboarding_ws",
        "backcountry_skiing",
        "cross_country_skiing_ws",
        "skate_skiing_ws",
        "tennis",
        "padel",
        "pickleball",
        "golf",
        "boxing",
    ),
}
VOCABULARIES: dict[str, dict[ActivityType, tuple[str, ...]]] = {
    "healthkit_and_health_connect": _PLATFORM_NAMES,
    "strava": _STRAVA_NAMES,
    "garmin": _GARMIN_NAMES,
}
"""Every accepted name by vocabulary, beside our own (the enum's values)."""


def _aliases(
    vocabularies: dict[str, dict[ActivityType, tuple[str, ...]]],
) -> dict[str, ActivityType]:
    """Squashed name -> type over all vocabularies; a key meaning two types fails at import."""
    aliases: dict[str, ActivityType] = {_squash(kind.value): kind for kind in ActivityType}
    for vocabulary, names_by_kind in vocabularies.items():
        for kind, names in names_by_kind.items():
            for name in names:
                if aliases.setdefault(_squash(name), kind) is not kind:
                    raise ValueError(f"{vocabulary}: {name} would mean two activity types")
    return aliases


_ACTIVITY_ALIASES: dict[str, ActivityType] = _aliases(VOCABULARIES)
_PLATFORM_PREFIXES = ("hkworkoutactivitytype", "exercisesessiontype", "exercisetype")
ACTIVITY_TYPES_HINT = (
    "use one of: "
    + ", ".join(kind.value for kind in ActivityType)
    + " (other for anything else); Apple HealthKit, Android Health Connect, Strava and "
    "Garmin workout type names are accepted too, and a platform's numeric code as "
    "type_code with its source"
)


_TYPE_NAME_OK = re.compile(r"[A-Za-z0-9_. \-]{1,80}")


@lru_cache(maxsize=1024)
def parse_activity_type(raw: str) -> ActivityType:
    """Map our names and platform workout names to a type; ValueError for an unknown name.

    An unknown name is refused rather than guessed at: the enum is the API, and an app that
    needs a catch-all sends `other`. Cached: apps send the same few names on every request
    (an unknown name raises, and is never cached).
    """
    if not _TYPE_NAME_OK.fullmatch(raw):  # control characters, look-alikes, huge strings
        raise ValueError(f"unknown activity type; {ACTIVITY_TYPES_HINT}")
    key = _squash(raw)
    for prefix in _PLATFORM_PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key.removeprefix(prefix)
            break
    kind = _ACTIVITY_ALIASES.get(key)
    if kind is None:
        raise ValueError(f"unknown activity type; {ACTIVITY_TYPES_HINT}")
    return kind


# --- Numeric workout codes -----------------------------------------------------------------
# The same number means different workouts on each platform (37: running in HealthKit, hiking
# in Health Connect), so a code is only read beside its source (`activity.type_code`).


class CodeSource(StrEnum):
    HEALTHKIT = "healthkit"
    HEALTH_CONNECT = "health_connect"


# HKWorkoutActivityType raw values -> their names in the vocabulary above.
_HEALTHKIT_CODES: dict[int, str] = {
    1: "americanFootball", 2: "archery", 3: "australianFootball", 4: "badminton",
    5: "baseball", 6: "basketball", 7: "bowling", 8: "boxing", 9: "climbing", 10: "cricket",
    11: "crossTraining", 12: "curling", 13: "cycling", 14: "dance",
    15: "danceInspiredTraining", 16: "elliptical", 17: "equestrianSports", 18: "fencing",
    19: "fishing", 20: "functionalStrengthTraining", 21: "golf", 22: "gymnastics",
    23: "handball", 24: "hiking", 25: "hockey", 26: "hunting", 27: "lacrosse",
    28: "martialArts", 29: "mindAndBody", 30: "mixedMetabolicCardioTraining",
    31: "paddleSports", 32: "play", 33: "preparationAndRecovery", 34: "racquetball",
    35: "rowing", 36: "rugby", 37: "running", 38: "sailing", 39: "skatingSports",
    40: "snowSports", 41: "soccer", 42: "softball", 43: "squash", 44: "stairClimbing",
    45: "surfingSports", 46: "swimming", 47: "tableTennis", 48: "tennis",
    49: "trackAndField", 50: "traditionalStrengthTraining", 51: "volleyball", 52: "walking",
    53: "waterFitness", 54: "waterPolo", 55: "waterSports", 56: "wrestling", 57: "yoga",
    58: "barre", 59: "coreTraining", 60: "crossCountrySkiing", 61: "downhillSkiing",
    62: "flexibility", 63: "highIntensityIntervalTraining", 64: "jumpRope", 65: "kickboxing",
    66: "pilates", 67: "snowboarding", 68: "stairs", 69: "stepTraining",
    70: "wheelchairWalkPace", 71: "wheelchairRunPace", 72: "taiChi", 73: "mixedCardio",
    74: "handCycling", 75: "discSports", 76: "fitnessGaming", 77: "cardioDance",
    78: "socialDance", 79: "pickleball", 80: "cooldown", 82: "swimBikeRun", 83: "transition",
    84: "underwaterDiving", 3000: "other",
}  # fmt: skip
# ExerciseSessionRecord.EXERCISE_TYPE_* (androidx.health.connect) -> their names.
_HEALTH_CONNECT_CODES: dict[int, str] = {
    0: "OTHER_WORKOUT", 2: "BADMINTON", 4: "BASEBALL", 5: "BASKETBALL", 8: "BIKING",
    9: "BIKING_STATIONARY", 10: "BOOT_CAMP", 11: "BOXING", 13: "CALISTHENICS", 14: "CRICKET",
    16: "DANCING", 25: "ELLIPTICAL", 26: "EXERCISE_CLASS", 27: "FENCING",
    28: "FOOTBALL_AMERICAN", 29: "FOOTBALL_AUSTRALIAN", 31: "FRISBEE_DISC", 32: "GOLF",
    33: "GUIDED_BREATHING", 34: "GYMNASTICS", 35: "HANDBALL",
    36: "HIGH_INTENSITY_INTERVAL_TRAINING", 37: "HIKING", 38: "ICE_HOCKEY", 39: "ICE_SKATING",
    44: "MARTIAL_ARTS", 46: "PADDLING", 47: "PARAGLIDING", 48: "PILATES", 50: "RACQUETBALL",
    51: "ROCK_CLIMBING", 52: "ROLLER_HOCKEY", 53: "ROWING", 54: "ROWING_MACHINE", 55: "RUGBY",
    56: "RUNNING", 57: "RUNNING_TREADMILL", 58: "SAILING", 59: "SCUBA_DIVING", 60: "SKATING",
    61: "SKIING", 62: "SNOWBOARDING", 63: "SNOWSHOEING", 64: "SOCCER", 65: "SOFTBALL",
    66: "SQUASH", 68: "STAIR_CLIMBING", 69: "STAIR_CLIMBING_MACHINE", 70: "STRENGTH_TRAINING",
    71: "STRETCHING", 72: "SURFING", 73: "SWIMMING_OPEN_WATER", 74: "SWIMMING_POOL",
    75: "TABLE_TENNIS", 76: "TENNIS", 78: "VOLLEYBALL", 79: "WALKING", 80: "WATER_POLO",
    81: "WEIGHTLIFTING", 82: "WHEELCHAIR", 83: "YOGA",
}  # fmt: skip
PLATFORM_CODES: dict[CodeSource, dict[int, str]] = {
    CodeSource.HEALTHKIT: _HEALTHKIT_CODES,
    CodeSource.HEALTH_CONNECT: _HEALTH_CONNECT_CODES,
}
"""Each source's workout codes, by the platform's name for them."""
_CODE_KINDS: dict[tuple[str, int], ActivityType] = {
    (source.value, code): parse_activity_type(name)
    for source, codes in PLATFORM_CODES.items()
    for code, name in codes.items()
}


def activity_type_from_code(source: str, code: int) -> ActivityType:
    """The type a platform's numeric workout code stands for; ValueError for an unknown one."""
    kind = _CODE_KINDS.get((source, code))
    if kind is None:
        raise ValueError(f"unknown {source} workout type code")
    return kind


# --- Other units ---------------------------------------------------------------------------
# Exact by definition (the international yard and pound, the US customary fluid ounce).
ML_PER_US_FL_OZ = 29.5735295625
KM_PER_MILE = 1.609344
M_PER_FOOT = 0.3048
KG_PER_POUND = 0.45359237
SI_DECIMALS = 3  # converted values are rounded so that 87.8 °F reads as 31 °C, not 31.000000004


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    return (fahrenheit - 32.0) * 5.0 / 9.0


def _scale(factor: float) -> Callable[[float], float]:
    return lambda value: value * factor


@dataclass(frozen=True, slots=True)
class UnitAlias:
    """A field in another unit that stands for an SI field of the same section."""

    si_field: str
    to_si: Callable[[float], float]
    si_unit: str
    abs_tolerance: float  # both forms sent: they may differ by this much (SI units) ...
    rel_tolerance: float = 0.0  # ... or by this share of the SI value, whichever is larger

    def agrees(self, si_value: float, converted: float) -> bool:
        tolerance = max(self.abs_tolerance, self.rel_tolerance * abs(si_value))
        return abs(si_value - converted) <= tolerance + 1e-9

    def tolerance_text(self) -> str:
        text = f"{self.abs_tolerance:g} {self.si_unit}"
        if self.rel_tolerance:
            text += f" or {self.rel_tolerance:.0%}"
        return text


def _disagreement(alias: UnitAlias) -> PydanticCustomError:
    return PydanticCustomError(
        "unit_mismatch",
        "does not match {si_field} (they differ by more than {tolerance}); send one of the two, "
        "or both describing the same value",
        {"si_field": alias.si_field, "tolerance": alias.tolerance_text()},
    )


def _check_alias(
    aliases: dict[str, UnitAlias], value: float | None, info: ValidationInfo
) -> float | None:
    """Refuse an alternative-unit value that contradicts its SI field sent alongside."""
    if value is None:  # an explicit null, e.g. from a dumped context
        return None
    assert info.field_name is not None
    alias = aliases[info.field_name]
    si_value = info.data.get(alias.si_field)
    if si_value is not None and not alias.agrees(si_value, alias.to_si(value)):
        raise _disagreement(alias)
    return value


def _convert_aliases(section: _Section, aliases: dict[str, UnitAlias]) -> None:
    """Write each alternative-unit value into its SI field (unless sent too) and clear it.

    Runs inside validation, before the model is handed out, so writing to the frozen model's
    `__dict__` is safe; nothing else ever changes a context.
    """
    values = section.__dict__
    fields_set = section.__pydantic_fields_set__
    for name, alias in aliases.items():
        value = values[name]
        if value is None:
            continue
        if values[alias.si_field] is None:
            values[alias.si_field] = round(alias.to_si(value), SI_DECIMALS)
            fields_set.add(alias.si_field)
        values[name] = None
        fields_set.discard(name)


def _unique(items: list[T]) -> list[T]:
    """Drop repeated list entries (first one wins): a symptom counts once however often sent."""
    return list(dict.fromkeys(items))


def _open_schema(schema: dict[str, Any]) -> None:
    # Unknown fields are refused only by strict validation; a normal request leaves them out
    # with a warning (app.workout.lenient), so the published schema does not forbid them.
    schema.pop("additionalProperties", None)


class _Section(BaseModel):
    # `forbid` makes the one-pass parse fail on an unknown field, so that a request with one
    # takes the lenient path, which reports it; without it the field would vanish unseen.
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, json_schema_extra=_open_schema
    )

    alternative_units: ClassVar[frozenset[str]] = frozenset()
    """Fields that only carry another unit of an SI field; rules never see them."""


class TypeCode(_Section):
    """A platform's numeric workout code, which means nothing without its platform."""

    source: CodeSource = Field(
        description=(
            "Whose code it is: `healthkit` (HKWorkoutActivityType raw value) or "
            "`health_connect` (ExerciseSessionRecord EXERCISE_TYPE_* constant)."
        )
    )
    code: Count = Field(ge=0, le=100000, description="The platform's code, e.g. 37.")


def _activity_schema(schema: dict[str, Any]) -> None:
    # `type` and `duration_min` are required in substance, but either may come in its other
    # form (`type_code`, `duration_s`), so the schema cannot list them in `required`.
    _open_schema(schema)
    required = [name for name in schema.get("required", ()) if name not in _EITHER_FORM]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)


_EITHER_FORM = ("type", "duration_min")
MAX_DURATION_S = 86400.0  # the seconds of Activity.duration_min's bound, 1440 minutes


def _kind_of_code(raw: Any) -> ActivityType | None:
    """The type of a well-formed `type_code` as sent; None when its validation will refuse it."""
    if not isinstance(raw, dict):
        return None
    source, code = raw.get("source"), raw.get("code")
    if not isinstance(source, str) or not isinstance(code, int) or isinstance(code, bool):
        return None
    return _CODE_KINDS.get((source, code))


def _minutes_of(raw: Any) -> float | None:
    """`duration_s` as minutes when it is a valid value; None when its validation will refuse it."""
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return None
    if not 0 < raw <= MAX_DURATION_S:  # also false for NaN
        return None
    minutes = round(raw / 60.0, SI_DECIMALS)
    return minutes if minutes > 0 else None


class Activity(_Section):
    """The session itself. `type` (or `type_code`) and `duration_min` (or `duration_s`) are
    required: a context with neither form of one of them is refused (422)."""

    model_config = ConfigDict(json_schema_extra=_activity_schema)

    type: ActivityType = Field(
        description=(
            "Kind of workout (required unless `type_code` is sent). Apple HealthKit, Android "
            "Health Connect and Strava workout names and Garmin activity keys are accepted too "
            "(e.g. `traditionalStrengthTraining`, `BIKING_STATIONARY`, `TrailRun`, "
            "`road_biking`), in any case and with any separators; any other name is refused "
            "with a 422, so send `other` for a workout not in the list. A bare number is "
            "refused: send a platform's code as `type_code`."
        ),
    )
    type_code: TypeCode | None = Field(
        None,
        description=(
            "The workout as a platform's numeric code with its source, e.g. "
            '`{"source": "healthkit", "code": 37}` (running; 37 is hiking in Health Connect). '
            "Enough on its own; beside `type` the two must name the same kind of workout, "
            "else the code is refused (422 with `?strict=true`; otherwise it is left out with "
            "a warning and `type` is used)."
        ),
    )
    duration_min: Number = Field(
        gt=0,
        le=1440,
        description="Duration of the session in minutes (required unless `duration_s` is sent).",
    )
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
    # Other units: converted to the SI fields above, then cleared.
    distance_mi: Number | None = Field(
        None,
        ge=0,
        le=1000 / KM_PER_MILE,
        description="Distance covered, miles (instead of `distance_km`).",
    )
    elevation_gain_ft: Number | None = Field(
        None,
        ge=0,
        le=10000 / M_PER_FOOT,
        description="Total climbing, feet (instead of `elevation_gain_m`).",
    )
    elevation_loss_ft: Number | None = Field(
        None,
        ge=0,
        le=10000 / M_PER_FOOT,
        description="Total descent, feet (instead of `elevation_loss_m`).",
    )
    duration_s: Number | None = Field(
        None,
        gt=0,
        le=MAX_DURATION_S,
        description=(
            "Duration of the session in seconds (instead of `duration_min`; if both are sent "
            "they must agree within 0.5 min or 1 %)."
        ),
    )
    distance_m: Number | None = Field(
        None,
        ge=0,
        le=1_000_000,
        description="Distance covered, metres (instead of `distance_km`).",
    )

    # Other forms of a field, converted into it and then cleared; `type_code` is one too.
    alternative_units: ClassVar[frozenset[str]] = frozenset(
        {
            "distance_mi",
            "elevation_gain_ft",
            "elevation_loss_ft",
            "duration_s",
            "distance_m",
            "type_code",
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _either_form(cls, data: Any) -> Any:
        # Fill a required field from its other form before the fields are validated, so that
        # the engine keeps plain values; a bad other form is left for its own validation.
        if not isinstance(data, dict) or ("type" in data and "duration_min" in data):
            return data
        filled = dict(data)
        if "type" not in data:
            kind = _kind_of_code(data.get("type_code"))
            if kind is not None:
                filled["type"] = kind
        if "duration_min" not in data:
            minutes = _minutes_of(data.get("duration_s"))
            if minutes is not None:
                filled["duration_min"] = minutes
        return filled

    @field_validator("type", mode="before")
    @classmethod
    def _platform_names(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise PydanticCustomError(
                "activity_type_number",
                "a number is not a workout type: the platforms' codes differ (37 is running in "
                "Apple HealthKit and hiking in Android Health Connect); send the name, or the "
                "code as type_code with its source",
            )
        if not isinstance(value, str):
            return value
        try:
            return parse_activity_type(value)
        except ValueError:
            raise PydanticCustomError(
                "activity_type", "unknown activity type; {hint}", {"hint": ACTIVITY_TYPES_HINT}
            ) from None

    @field_validator("type_code", mode="after")
    @classmethod
    def _code_agrees(cls, value: TypeCode | None, info: ValidationInfo) -> TypeCode | None:
        if value is None:
            return None
        try:
            kind = activity_type_from_code(value.source.value, value.code)
        except ValueError:
            raise PydanticCustomError(
                "activity_type_code",
                "unknown {source} workout type code",
                {"source": value.source.value},
            ) from None
        named = info.data.get("type")
        if named is not None and named is not kind:
            raise PydanticCustomError(
                "activity_type_mismatch",
                "{source} code {code} is {kind}, which does not match type ({named}); send one "
                "of the two, or both naming the same workout",
                {
                    "source": value.source.value,
                    "code": value.code,
                    "kind": kind.value,
                    "named": named.value,
                },
            )
        return value

    @field_validator(
        "distance_mi",
        "elevation_gain_ft",
        "elevation_loss_ft",
        "duration_s",
        "distance_m",
        mode="after",
    )
    @classmethod
    def _agrees_with_si(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _check_alias(_ACTIVITY_UNITS, value, info)

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        if not self.__pydantic_fields_set__.isdisjoint(self.alternative_units):
            _convert_aliases(self, _ACTIVITY_UNITS)
            self.__dict__["type_code"] = None  # still inside validation: see _convert_aliases
            self.__pydantic_fields_set__.discard("type_code")
        return self


class Environment(_Section):
    """Where the session took place."""

    temperature_c: Number | None = Field(None, ge=-40, le=60, description="Air temperature, °C.")
    humidity_pct: Number | None = Field(
        None, ge=0, le=100, description="Relative humidity, percent."
    )
    water_temperature_c: Number | None = Field(
        None,
        ge=-2,
        le=40,
        description="Water temperature for a swim or other session in water, °C.",
    )
    temperature_f: Number | None = Field(
        None, ge=-40, le=140, description="Air temperature, °F (instead of `temperature_c`)."
    )

    alternative_units: ClassVar[frozenset[str]] = frozenset({"temperature_f"})

    @field_validator("temperature_f", mode="after")
    @classmethod
    def _agrees_with_si(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _check_alias(_ENVIRONMENT_UNITS, value, info)

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        if self.temperature_f is not None:
            _convert_aliases(self, _ENVIRONMENT_UNITS)
        return self


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
    body_mass_kg: Number | None = Field(
        None,
        ge=20,
        le=300,
        description="Body mass before the session, kg; turns an absolute change into a percentage.",
    )
    # Other units: converted to the SI fields above, then cleared.
    fluid_intake_oz: Number | None = Field(
        None,
        ge=0,
        le=20000 / ML_PER_US_FL_OZ,
        description="Fluid drunk during the session, US fl oz (instead of `fluid_intake_ml`).",
    )
    body_mass_lb: Number | None = Field(
        None,
        ge=20 / KG_PER_POUND,
        le=300 / KG_PER_POUND,
        description="Body mass before the session, lb (instead of `body_mass_kg`).",
    )
    body_mass_change_kg: Number | None = Field(
        None,
        ge=-45,
        le=15,
        description=(
            "Body mass change from before to after the session, kg (negative = loss); needs "
            "`body_mass_kg` or `body_mass_lb` and becomes `body_mass_change_pct`."
        ),
    )
    body_mass_change_lb: Number | None = Field(
        None,
        ge=-45 / KG_PER_POUND,
        le=15 / KG_PER_POUND,
        description=(
            "Body mass change from before to after the session, lb (negative = loss); needs "
            "`body_mass_kg` or `body_mass_lb` and becomes `body_mass_change_pct`."
        ),
    )

    alternative_units: ClassVar[frozenset[str]] = frozenset(
        {"fluid_intake_oz", "body_mass_lb", "body_mass_change_kg", "body_mass_change_lb"}
    )

    @field_validator("fluid_intake_oz", "body_mass_lb", mode="after")
    @classmethod
    def _agrees_with_si(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _check_alias(_HYDRATION_UNITS, value, info)

    @field_validator("body_mass_change_kg", "body_mass_change_lb", mode="after")
    @classmethod
    def _change_to_pct(cls, value: float | None, info: ValidationInfo) -> float | None:
        """An absolute change needs the body mass, must agree with any other form sent, and
        must give a percentage within the range of `body_mass_change_pct`."""
        if value is None:
            return None
        data = info.data
        if info.field_name == "body_mass_change_lb":
            change_kg = data.get("body_mass_change_kg")
            if change_kg is not None and not _CHANGE_LB.agrees(change_kg, _CHANGE_LB.to_si(value)):
                raise _disagreement(_CHANGE_LB)
            value_kg = value * KG_PER_POUND
        else:
            value_kg = value
        mass_kg = _body_mass_kg(data)
        if mass_kg is None:
            raise PydanticCustomError(
                "body_mass_missing",
                "needs body_mass_kg or body_mass_lb (the weight before the session) to become "
                "body_mass_change_pct",
            )
        pct = round(100.0 * value_kg / mass_kg, SI_DECIMALS)  # as it will be stored
        if not BODY_MASS_CHANGE_PCT_RANGE[0] <= pct <= BODY_MASS_CHANGE_PCT_RANGE[1]:
            raise PydanticCustomError(
                "body_mass_change_range",
                "amounts to a change outside {low} % to +{high} % of body mass, "
                "the range of body_mass_change_pct",
                {
                    "low": f"{BODY_MASS_CHANGE_PCT_RANGE[0]:g}",
                    "high": f"{BODY_MASS_CHANGE_PCT_RANGE[1]:g}",
                },
            )
        given_pct = data.get("body_mass_change_pct")
        if given_pct is not None and not _CHANGE_PCT.agrees(given_pct, pct):
            raise _disagreement(_CHANGE_PCT)
        return value

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        if self.__pydantic_fields_set__.isdisjoint(self.alternative_units):
            return self
        values = self.__dict__  # still inside validation: see _convert_aliases
        mass_kg = _body_mass_kg(values)
        if values["body_mass_change_pct"] is None and mass_kg is not None:
            change_kg = values["body_mass_change_kg"]
            if change_kg is None and values["body_mass_change_lb"] is not None:
                change_kg = values["body_mass_change_lb"] * KG_PER_POUND
            if change_kg is not None:
                values["body_mass_change_pct"] = round(100.0 * change_kg / mass_kg, SI_DECIMALS)
                self.__pydantic_fields_set__.add("body_mass_change_pct")
        _convert_aliases(self, _HYDRATION_UNITS)
        for name in ("body_mass_change_kg", "body_mass_change_lb"):
            values[name] = None
            self.__pydantic_fields_set__.discard(name)
        return self


BODY_MASS_CHANGE_PCT_RANGE = (-15.0, 5.0)  # the bounds of Hydration.body_mass_change_pct
_ACTIVITY_UNITS = {
    "distance_mi": UnitAlias("distance_km", _scale(KM_PER_MILE), "km", 0.01, 0.01),
    "elevation_gain_ft": UnitAlias("elevation_gain_m", _scale(M_PER_FOOT), "m", 1.0, 0.01),
    "elevation_loss_ft": UnitAlias("elevation_loss_m", _scale(M_PER_FOOT), "m", 1.0, 0.01),
    "duration_s": UnitAlias("duration_min", _scale(1 / 60), "min", 0.5, 0.01),
    "distance_m": UnitAlias("distance_km", _scale(0.001), "km", 0.01, 0.01),
}
_ENVIRONMENT_UNITS = {
    "temperature_f": UnitAlias("temperature_c", fahrenheit_to_celsius, "°C", 0.5),
}
_HYDRATION_UNITS = {
    "fluid_intake_oz": UnitAlias("fluid_intake_ml", _scale(ML_PER_US_FL_OZ), "ml", 5.0, 0.01),
    "body_mass_lb": UnitAlias("body_mass_kg", _scale(KG_PER_POUND), "kg", 0.5, 0.01),
}
_CHANGE_LB = UnitAlias("body_mass_change_kg", _scale(KG_PER_POUND), "kg", 0.05, 0.01)
_CHANGE_PCT = UnitAlias("body_mass_change_pct", float, "percentage points", 0.1, 0.02)


def _body_mass_kg(values: dict[str, Any]) -> float | None:
    """The body mass in kg from whichever form was sent (kg wins when both were)."""
    mass: float | None = values.get("body_mass_kg")
    if mass is None and values.get("body_mass_lb") is not None:
        mass = values["body_mass_lb"] * KG_PER_POUND
    return mass


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
        max_length=len(AssociatedSymptom),
        description=(
            "Other symptoms at the same time (an empty list means none); several of them "
            "need medical care."
        ),
    )

    @model_validator(mode="after")
    def _deduplicate(self) -> Self:
        # One validator for both lists, copying only a list that repeats an entry: this runs on
        # every request, for lists that almost never repeat anything.
        values = self.__dict__  # still inside validation: see _convert_aliases
        for name in ("body_parts", "associated"):
            items = values[name]
            if items and len(items) > 1 and len(set(items)) < len(items):
                values[name] = _unique(items)
        return self


class HealthInfo(_Section):
    """Conditions, measurements and medicines that change why legs shake (all optional; an
    app sends what the person has shared, e.g. from HealthKit or Health Connect)."""

    diabetes: Diabetes | None = Field(None, description="Diabetes, if any: none, type1 or type2.")
    glucose_lowering_medication: Flag | None = Field(
        None,
        description=(
            "Whether the person takes insulin or a sulfonylurea (medicines that can push blood "
            "sugar too low during or after exercise)."
        ),
    )
    blood_glucose_mg_dl: Number | None = Field(
        None,
        ge=10,
        le=1000,
        description="Blood glucose measured during or after the session, mg/dL.",
        examples=[62],
    )
    medications: list[Medication] | None = Field(
        None,
        max_length=len(Medication),
        description=(
            "Regular medicines, as drug classes; common generic names are accepted and become "
            "their class (salbutamol -> beta2_agonist, sertraline -> ssri)."
        ),
        examples=[["beta2_agonist"]],
    )
    recent_illness_days: Number | None = Field(
        None,
        ge=0,
        le=365,
        description=(
            "Days since the last illness with fever, flu or a stomach bug ended (0 = ill now); "
            "leave out when there was none recently."
        ),
    )
    body_temperature_c: Number | None = Field(
        None, ge=30, le=45, description="Body temperature measured after the session, °C."
    )
    # Other units: converted to the SI fields above, then cleared.
    blood_glucose_mmol_l: Number | None = Field(
        None,
        ge=10 / GLUCOSE_MG_DL_PER_MMOL_L,
        le=1000 / GLUCOSE_MG_DL_PER_MMOL_L,
        description="Blood glucose, mmol/L (instead of `blood_glucose_mg_dl`).",
        examples=[3.4],
    )

    alternative_units: ClassVar[frozenset[str]] = frozenset({"blood_glucose_mmol_l"})

    @field_validator("medications", mode="before")
    @classmethod
    def _generic_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [parse_medication(item) for item in value]
        return value

    @field_validator("blood_glucose_mmol_l", mode="after")
    @classmethod
    def _agrees_with_si(cls, value: float | None, info: ValidationInfo) -> float | None:
        return _check_alias(_HEALTH_UNITS, value, info)

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        values = self.__dict__  # still inside validation: see _convert_aliases
        if self.blood_glucose_mmol_l is not None:
            _convert_aliases(self, _HEALTH_UNITS)
        medications = values["medications"]
        if medications and len(medications) > 1 and len(set(medications)) < len(medications):
            values["medications"] = _unique(medications)
        return self


_HEALTH_UNITS = {
    "blood_glucose_mmol_l": UnitAlias(
        "blood_glucose_mg_dl", _scale(GLUCOSE_MG_DL_PER_MMOL_L), "mg/dL", 2.0, 0.03
    ),
}


class Intake(_Section):
    """Stimulants and alcohol taken before the session."""

    caffeine_mg: Number | None = Field(
        None,
        ge=0,
        le=3000,
        description=(
            "Caffeine in the hours before and during the session, mg (a strong coffee has "
            "about 100-200 mg, many pre-workout drinks 150-300 mg)."
        ),
    )
    pre_workout_stimulant: Flag | None = Field(
        None,
        description=(
            "Whether a pre-workout product with stimulants (caffeine, synephrine...) was taken."
        ),
    )
    alcohol_units_24h: Number | None = Field(
        None,
        ge=0,
        le=100,
        description="Units of alcohol (10 g each) in the 24 hours before the session.",
    )


_S = TypeVar("_S", bound=_Section)


def _empty(section: type[_S]) -> Callable[[], _S]:
    """The factory of one shared empty instance of a (frozen) section: a request that leaves a
    section out costs a call, not the ~0.7 µs of validating an empty model."""
    empty = section()
    return lambda: empty


class WorkoutContext(_Section):
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
