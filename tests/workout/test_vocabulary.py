"""Workout names from Strava and Garmin, and the platforms' numeric codes (`type_code`).

The expected types are written out here, independently of the tables in the code.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.workout.context import WorkoutContext
from app.workout.lenient import read_leniently
from app.workout.platforms import (
    PLATFORM_CODES,
    VOCABULARIES,
    activity_type_from_code,
    parse_activity_type,
)
from app.workout.vocabulary import ActivityType, CodeSource

R, C, W, H = ActivityType.RUNNING, ActivityType.CYCLING, ActivityType.WALKING, ActivityType.HIKING
S, RO, ST = ActivityType.SWIMMING, ActivityType.ROWING, ActivityType.STRENGTH_TRAINING
HI, T, Y, OT = ActivityType.HIIT, ActivityType.TEAM_SPORT, ActivityType.YOGA, ActivityType.OTHER

STRAVA: dict[str, ActivityType] = {
    "Run": R, "TrailRun": R, "VirtualRun": R,
    "Ride": C, "VirtualRide": C, "MountainBikeRide": C, "GravelRide": C, "EBikeRide": C,
    "EMountainBikeRide": C, "Handcycle": C, "Velomobile": C,
    "Walk": W, "Wheelchair": W,
    "Hike": H, "Snowshoe": H, "StairStepper": H,
    "Swim": S,
    "Rowing": RO, "VirtualRow": RO, "Canoeing": RO, "Kayaking": RO, "StandUpPaddling": RO,
    "WeightTraining": ST,
    "Crossfit": HI, "HighIntensityIntervalTraining": HI,
    "Soccer": T, "Basketball": T, "Volleyball": T, "Cricket": T,
    "Yoga": Y, "Pilates": Y,
    "Workout": OT, "Elliptical": OT, "AlpineSki": OT, "BackcountrySki": OT, "NordicSki": OT,
    "RollerSki": OT, "Snowboard": OT, "IceSkate": OT, "InlineSkate": OT, "Skateboard": OT,
    "Kitesurf": OT, "Windsurf": OT, "Surfing": OT, "Sail": OT, "RockClimbing": OT, "Golf": OT,
    "Tennis": OT, "TableTennis": OT, "Badminton": OT, "Squash": OT, "Racquetball": OT,
    "Pickleball": OT, "Padel": OT, "Dance": OT,
}  # fmt: skip
GARMIN: dict[str, ActivityType] = {
    "running": R, "trail_running": R, "treadmill_running": R, "track_running": R,
    "street_running": R, "indoor_running": R, "virtual_run": R, "ultra_run": R,
    "obstacle_run": R,
    "cycling": C, "road_biking": C, "indoor_cycling": C, "mountain_biking": C,
    "gravel_cycling": C, "virtual_ride": C, "cyclocross": C, "track_cycling": C,
    "recumbent_cycling": C, "bmx": C, "e_bike_fitness": C, "e_bike_mountain": C,
    "hand_cycling": C, "indoor_hand_cycling": C,
    "walking": W, "casual_walking": W, "speed_walking": W, "indoor_walking": W,
    "hiking": H, "mountaineering": H, "stair_climbing": H, "floor_climbing": H,
    "swimming": S, "lap_swimming": S, "open_water_swimming": S,
    "rowing": RO, "indoor_rowing": RO, "kayaking": RO, "stand_up_paddleboarding": RO,
    "paddling": RO,
    "strength_training": ST,
    "hiit": HI, "cardio": HI, "indoor_cardio": HI,
    "soccer": T, "basketball": T, "volleyball": T, "rugby": T, "cricket": T,
    "yoga": Y, "pilates": Y, "breathwork": Y,
    "other": OT, "elliptical": OT, "fitness_equipment": OT, "multi_sport": OT, "triathlon": OT,
    "duathlon": OT, "transition": OT, "rock_climbing": OT, "bouldering": OT,
    "indoor_climbing": OT, "resort_skiing_snowboarding_ws": OT, "backcountry_skiing": OT,
    "cross_country_skiing_ws": OT, "skate_skiing_ws": OT, "tennis": OT, "padel": OT,
    "pickleball": OT, "golf": OT, "boxing": OT,
}  # fmt: skip


def activity(**fields: Any) -> dict[str, Any]:
    return {"activity": {"duration_min": 30, **fields}}


def errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        WorkoutContext.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["type"]) for e in caught.value.errors()]


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), sorted(STRAVA.items()))
def test_strava_sport_types(name: str, expected: ActivityType) -> None:
    assert parse_activity_type(name) is expected
    assert WorkoutContext.model_validate(activity(type=name)).activity.type is expected


@pytest.mark.parametrize(("name", "expected"), sorted(GARMIN.items()))
def test_garmin_activity_keys(name: str, expected: ActivityType) -> None:
    assert parse_activity_type(name) is expected
    assert WorkoutContext.model_validate(activity(type=name)).activity.type is expected


def test_the_tables_here_cover_the_vocabularies() -> None:
    in_code = {
        vocabulary: {name for names in by_kind.values() for name in names}
        for vocabulary, by_kind in VOCABULARIES.items()
    }
    assert in_code["strava"] == set(STRAVA)
    assert in_code["garmin"] == set(GARMIN)


@pytest.mark.parametrize(
    "spelling", ["TRAIL_RUNNING", "TrailRunning", "trail-running", "trail running", "trailrun"]
)
def test_names_ignore_case_and_separators(spelling: str) -> None:
    assert parse_activity_type(spelling) is ActivityType.RUNNING


@pytest.mark.parametrize("name", ["Quidditch", "RunRide", "strava_run", "running2"])
def test_unknown_names_are_still_refused(name: str) -> None:
    assert errors(activity(type=name)) == [("activity.type", "activity_type")]


def test_an_unknown_name_is_fatal_in_the_lenient_reading_too() -> None:
    read = read_leniently(
        {**activity(type="Quidditch"), "symptoms": {"associated": ["chest_pain"]}}
    )
    assert read.context is None
    assert [e["loc"] for e in read.fatal] == [("activity", "type")]
    assert read.for_red_flags is not None  # the 422 still carries the triage


# --- codes ---------------------------------------------------------------------------------

HEALTHKIT = {
    37: R, 13: C, 52: W, 24: H, 46: S, 35: RO, 50: ST, 20: ST, 63: HI, 11: HI, 41: T, 6: T,
    57: Y, 66: Y, 44: H, 74: C, 3000: OT, 48: OT,
}  # fmt: skip
HEALTH_CONNECT = {
    56: R, 57: R, 8: C, 9: C, 79: W, 37: H, 74: S, 73: S, 53: RO, 54: RO, 70: ST, 81: ST,
    36: HI, 10: HI, 64: T, 55: T, 83: Y, 48: Y, 0: OT, 76: OT,
}  # fmt: skip


@pytest.mark.parametrize(("code", "expected"), sorted(HEALTHKIT.items()))
def test_healthkit_codes(code: int, expected: ActivityType) -> None:
    data = {"activity": {"type_code": {"source": "healthkit", "code": code}, "duration_min": 30}}
    assert WorkoutContext.model_validate(data).activity.type is expected


@pytest.mark.parametrize(("code", "expected"), sorted(HEALTH_CONNECT.items()))
def test_health_connect_codes(code: int, expected: ActivityType) -> None:
    data = {"activity": {"type_code": {"source": "health_connect", "code": code}, "duration_s": 60}}
    assert WorkoutContext.model_validate(data).activity.type is expected


def test_every_code_is_named_in_the_vocabulary() -> None:
    for source, codes in PLATFORM_CODES.items():
        for code, name in codes.items():
            assert activity_type_from_code(source.value, code) is parse_activity_type(name)
    assert len(PLATFORM_CODES[CodeSource.HEALTHKIT]) == 84  # 1-80, 82-84 and 3000
    assert len(PLATFORM_CODES[CodeSource.HEALTH_CONNECT]) == 61


def test_37_depends_on_the_source() -> None:
    def kind(source: str) -> ActivityType:
        data = {"activity": {"type_code": {"source": source, "code": 37}, "duration_min": 30}}
        return WorkoutContext.model_validate(data).activity.type

    assert kind("healthkit") is ActivityType.RUNNING
    assert kind("health_connect") is ActivityType.HIKING


@pytest.mark.parametrize("value", [37, 0, 3000])
def test_a_bare_number_is_refused_with_a_pointer_to_type_code(value: int) -> None:
    with pytest.raises(ValidationError) as caught:
        WorkoutContext.model_validate(activity(type=value))
    (error,) = caught.value.errors()
    assert error["loc"] == ("activity", "type")
    assert "type_code" in error["msg"] and "37" in error["msg"]


@pytest.mark.parametrize(
    "type_code",
    [
        {"source": "healthkit", "code": 81},  # no such HealthKit code
        {"source": "health_connect", "code": 1},  # nor Health Connect
        {"source": "garmin", "code": 1},
        {"source": "healthkit", "code": True},
        {"source": "healthkit", "code": "37"},
        {"source": "healthkit"},
        {"code": 37},
        37,
    ],
)
def test_a_bad_code_is_refused_and_alone_leaves_no_type(type_code: Any) -> None:
    found = errors(activity(type="running", type_code=type_code))
    assert found and all(loc.startswith("activity.type_code") for loc, _ in found)
    found = errors({"activity": {"type_code": type_code, "duration_min": 30}})
    assert ("activity.type", "missing") in found


def test_name_and_code_must_agree() -> None:
    hiking_37 = {"source": "health_connect", "code": 37}
    agreeing = activity(type="Hike", type_code=hiking_37)
    understood = WorkoutContext.model_validate(agreeing).activity
    assert understood.type is ActivityType.HIKING and understood.type_code is None
    assert errors(activity(type="running", type_code=hiking_37)) == [
        ("activity.type_code", "activity_type_mismatch")
    ]


def test_lenient_reading_keeps_the_name_and_leaves_out_a_disagreeing_code() -> None:
    read = read_leniently(activity(type="Run", type_code={"source": "health_connect", "code": 37}))
    assert read.context is not None and read.context.activity.type is ActivityType.RUNNING
    assert [(i.field, i.code.value) for i in read.issues] == [
        ("activity.type_code", "invalid_value_ignored")
    ]


def test_lenient_reading_leaves_out_a_code_missing_a_part() -> None:
    read = read_leniently(activity(type="running", type_code={"source": "healthkit"}))
    assert read.context is not None
    assert [i.field for i in read.issues] == ["activity.type_code"]
