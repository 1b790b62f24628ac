"""Workout names and codes of the platforms apps forward: each read as one activity type.

Apple HealthKit, Android Health Connect, Strava and Garmin name their workouts their own
way, and HealthKit and Health Connect also number them (differently: 37 is running in one
and hiking in the other). Each name is listed under the type it means; a name is matched in
any case and with any separators (`_squash`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.workout.vocabulary import ActivityType, CodeSource

SQUASHED_OUT = r"[^a-z0-9]"  # what `_squash` drops, after lowercasing


def _squash(name: str) -> str:
    """Lowercase without separators, so `STRENGTH_TRAINING` and `strengthTraining` meet."""
    return re.sub(SQUASHED_OUT, "", name.lower())


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


ACTIVITY_ALIASES: dict[str, ActivityType] = _aliases(VOCABULARIES)
"""Every accepted name, squashed (`_squash`) -> its type: what `parse_activity_type` reads."""
PLATFORM_PREFIXES = ("hkworkoutactivitytype", "exercisesessiontype", "exercisetype")
"""Squashed prefixes of the platforms' constant names, dropped before the lookup."""
ACTIVITY_TYPES_HINT = (
    "use one of: "
    + ", ".join(kind.value for kind in ActivityType)
    + " (other for anything else); Apple HealthKit, Android Health Connect, Strava and "
    "Garmin workout type names are accepted too, and a platform's numeric code as "
    "type_code with its source"
)


TYPE_NAME_OK = re.compile(r"[A-Za-z0-9_. \-]{1,80}")


@lru_cache(maxsize=1024)
def parse_activity_type(raw: str) -> ActivityType:
    """Map our names and platform workout names to a type; ValueError for an unknown name.

    An unknown name is refused rather than guessed at: the enum is the API, and an app that
    needs a catch-all sends `other`. Cached: apps send the same few names on every request
    (an unknown name raises, and is never cached).
    """
    if not TYPE_NAME_OK.fullmatch(raw):  # control characters, look-alikes, huge strings
        raise ValueError(f"unknown activity type; {ACTIVITY_TYPES_HINT}")
    key = _squash(raw)
    for prefix in PLATFORM_PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key.removeprefix(prefix)
            break
    kind = ACTIVITY_ALIASES.get(key)
    if kind is None:
        raise ValueError(f"unknown activity type; {ACTIVITY_TYPES_HINT}")
    return kind


# --- Numeric workout codes -----------------------------------------------------------------
# The same number means different workouts on each platform (37: running in HealthKit, hiking
# in Health Connect), so a code is only read beside its source (`activity.type_code`).


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
CODE_KINDS: dict[tuple[str, int], ActivityType] = {
    (source.value, code): parse_activity_type(name)
    for source, codes in PLATFORM_CODES.items()
    for code, name in codes.items()
}


def activity_type_from_code(source: str, code: int) -> ActivityType:
    """The type a platform's numeric workout code stands for; ValueError for an unknown one."""
    kind = CODE_KINDS.get((source, code))
    if kind is None:
        raise ValueError(f"unknown {source} workout type code")
    return kind
