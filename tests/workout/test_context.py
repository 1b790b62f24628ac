"""The request schema: required fields, bounds, strict types, aliases, forward compatibility."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from app.rules.fields import INPUT_FIELDS, FieldKind
from app.workout.context import WorkoutContext
from app.workout.lenient import IssueCode, read_leniently
from app.workout.platforms import parse_activity_type
from app.workout.vocabulary import ActivityType
from tests.rules.helpers import bounds, is_integer

NUMBER_FIELDS = [path for path, spec in INPUT_FIELDS.items() if spec.kind is FieldKind.NUMBER]
FLOAT_FIELDS = [path for path in NUMBER_FIELDS if not is_integer(path)]
BOOL_FIELDS = [path for path, spec in INPUT_FIELDS.items() if spec.kind is FieldKind.BOOL]


def body_with(path: str, value: Any) -> dict[str, Any]:
    section, name = path.split(".")
    body: dict[str, Any] = {"activity": {"type": "running", "duration_min": 30}}
    body.setdefault(section, {})[name] = value
    return body


def error_locations(body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        WorkoutContext.model_validate(body)
    return [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]


def test_only_type_and_duration_are_required() -> None:
    context = WorkoutContext.model_validate({"activity": {"type": "cycling", "duration_min": 5}})
    assert context.activity.type is ActivityType.CYCLING
    assert context.environment.temperature_c is None
    assert context.symptoms.associated is None
    assert set(error_locations({"activity": {}})) == {"activity.type", "activity.duration_min"}
    assert error_locations({}) == ["activity"]


@pytest.mark.parametrize("path", NUMBER_FIELDS)
def test_numbers_outside_their_bounds_are_rejected(path: str) -> None:
    low, high, exclusive = bounds(path)
    assert math.isfinite(low) and math.isfinite(high), f"{path} needs both bounds"
    below = low if exclusive else low - 1
    for value in (below, high + 1):
        value = int(value) if is_integer(path) else value
        assert error_locations(body_with(path, value)) == [path]
    WorkoutContext.model_validate(body_with(path, int(high) if is_integer(path) else high))


@pytest.mark.parametrize("path", FLOAT_FIELDS)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_rejected(path: str, value: float) -> None:
    assert error_locations(body_with(path, value)) == [path]


@pytest.mark.parametrize("path", NUMBER_FIELDS)
@pytest.mark.parametrize("value", ["12", True])
def test_numbers_must_be_json_numbers(path: str, value: Any) -> None:
    assert error_locations(body_with(path, value)) == [path]


def test_counts_must_be_whole_numbers() -> None:
    assert error_locations(body_with("activity.sets", 3.5)) == ["activity.sets"]


@pytest.mark.parametrize("path", BOOL_FIELDS)
@pytest.mark.parametrize("value", ["yes", "true", 1, 0])
def test_booleans_must_be_json_booleans(path: str, value: Any) -> None:
    assert error_locations(body_with(path, value)) == [path]


def test_integers_are_accepted_for_float_fields() -> None:
    context = WorkoutContext.model_validate(body_with("environment.temperature_c", 31))
    assert context.environment.temperature_c == 31


def test_unknown_fields_are_refused_strictly_and_reported_leniently_at_every_level() -> None:
    body = body_with("environment.temperature_c", 20)
    body["activity"]["cadence_spm"] = 170
    body["environment"]["wind_kph"] = 12
    body["weather_station"] = {"id": 7}
    with pytest.raises(ValidationError):
        WorkoutContext.model_validate(body)
    read = read_leniently(body)
    assert read.context is not None
    assert read.context.environment.temperature_c == 20
    assert "cadence_spm" not in read.context.activity.model_dump()
    assert sorted((i.field, i.code) for i in read.issues) == [
        ("activity.cadence_spm", IssueCode.unknown_field),
        ("environment.wind_kph", IssueCode.unknown_field),
        ("weather_station", IssueCode.unknown_field),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("running", ActivityType.RUNNING),
        ("RUNNING", ActivityType.RUNNING),
        ("RUNNING_TREADMILL", ActivityType.RUNNING),
        ("EXERCISE_TYPE_RUNNING", ActivityType.RUNNING),
        ("HKWorkoutActivityTypeRunning", ActivityType.RUNNING),
        ("BIKING", ActivityType.CYCLING),
        ("BIKING_STATIONARY", ActivityType.CYCLING),
        ("cycling", ActivityType.CYCLING),
        ("traditionalStrengthTraining", ActivityType.STRENGTH_TRAINING),
        ("functionalStrengthTraining", ActivityType.STRENGTH_TRAINING),
        ("STRENGTH_TRAINING", ActivityType.STRENGTH_TRAINING),
        ("WEIGHTLIFTING", ActivityType.STRENGTH_TRAINING),
        ("strength_training", ActivityType.STRENGTH_TRAINING),
        ("highIntensityIntervalTraining", ActivityType.HIIT),
        ("HIGH_INTENSITY_INTERVAL_TRAINING", ActivityType.HIIT),
        ("walking", ActivityType.WALKING),
        ("hiking", ActivityType.HIKING),
        ("SWIMMING_POOL", ActivityType.SWIMMING),
        ("SWIMMING_OPEN_WATER", ActivityType.SWIMMING),
        ("ROWING_MACHINE", ActivityType.ROWING),
        ("soccer", ActivityType.TEAM_SPORT),
        ("basketball", ActivityType.TEAM_SPORT),
        ("americanFootball", ActivityType.TEAM_SPORT),
        ("RUGBY", ActivityType.TEAM_SPORT),
        ("team_sport", ActivityType.TEAM_SPORT),
        ("yoga", ActivityType.YOGA),
        ("PILATES", ActivityType.YOGA),
        ("OTHER_WORKOUT", ActivityType.OTHER),
        ("other", ActivityType.OTHER),
        ("HKWorkoutActivityTypeCurling", ActivityType.OTHER),  # a platform type with no closer one
        ("EXERCISE_TYPE_TENNIS", ActivityType.OTHER),
        ("EXERCISE_SESSION_TYPE_ROWING_MACHINE", ActivityType.ROWING),  # Android framework names
        ("HKWorkoutActivityTypeStairClimbing", ActivityType.HIKING),
        ("jumpRope", ActivityType.HIIT),
        ("WHEELCHAIR", ActivityType.WALKING),
    ],
)
def test_platform_activity_names_are_aliases(raw: str, expected: ActivityType) -> None:
    assert parse_activity_type(raw) is expected
    body = {"activity": {"type": raw, "duration_min": 30}}
    assert WorkoutContext.model_validate(body).activity.type is expected


@pytest.mark.parametrize(
    "raw", ["quidditch", "", "runn", "runningg", "HKWorkoutActivityType", "EXERCISE_TYPE_", "37"]
)
def test_unknown_activity_names_are_refused_with_the_accepted_values(raw: str) -> None:
    with pytest.raises(ValueError, match="unknown activity type"):
        parse_activity_type(raw)
    with pytest.raises(ValidationError) as caught:
        WorkoutContext.model_validate({"activity": {"type": raw, "duration_min": 30}})
    (error,) = caught.value.errors()
    assert error["loc"] == ("activity", "type")
    assert all(kind.value in error["msg"] for kind in ActivityType)
    assert "quidditch" not in error["msg"]  # the input is never echoed


def test_every_platform_name_maps_to_one_type() -> None:
    from app.workout.platforms import _PLATFORM_NAMES, _squash

    seen: dict[str, ActivityType] = {}
    for kind, names in _PLATFORM_NAMES.items():
        for name in (kind.value, *names):
            assert seen.setdefault(_squash(name), kind) is kind, f"{name} is listed twice"


def test_non_string_activity_type_is_rejected() -> None:
    assert error_locations({"activity": {"type": 5, "duration_min": 30}}) == ["activity.type"]


def test_enum_values_are_checked() -> None:
    assert error_locations(body_with("training.fitness_level", "elite")) == [
        "training.fitness_level"
    ]
    assert error_locations(body_with("symptoms.associated", ["hiccups"])) == [
        "symptoms.associated.0"
    ]


def test_lists_are_deduplicated_in_order() -> None:
    body = body_with("symptoms.associated", ["vomiting", "confusion", "vomiting"])
    body["symptoms"]["body_parts"] = ["calves", "calves", "quadriceps"]
    symptoms = WorkoutContext.model_validate(body).symptoms
    assert symptoms.associated == ["vomiting", "confusion"]
    assert symptoms.body_parts == ["calves", "quadriceps"]


def test_lists_are_bounded() -> None:
    body = body_with("symptoms.body_parts", ["calves"] * 13)
    assert error_locations(body) == ["symptoms.body_parts"]


def test_every_field_is_documented() -> None:
    schema = WorkoutContext.model_json_schema()
    for name, section in schema["$defs"].items():
        for field, definition in section.get("properties", {}).items():
            assert definition.get("description"), f"{name}.{field} has no description"
