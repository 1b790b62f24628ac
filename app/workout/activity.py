"""The activity section: the session itself, the one section a context cannot do without.

`type` (or `type_code`) and `duration_min` (or `duration_s`) are required; a workout type
may be sent as a platform's name or numeric code (`app.workout.platforms`), and distances,
climbs and the duration in other units (`app.workout.units`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.workout.platforms import (
    ACTIVITY_TYPES_HINT,
    CODE_KINDS,
    activity_type_from_code,
    parse_activity_type,
)
from app.workout.sections import Count, Flag, Number, Section, open_schema
from app.workout.units import (
    ACTIVITY_UNITS,
    KM_PER_MILE,
    M_PER_FOOT,
    SI_DECIMALS,
    check_alias,
    convert_aliases,
)
from app.workout.vocabulary import ActivityType, CodeSource


class TypeCode(Section):
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
    open_schema(schema)
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
    return CODE_KINDS.get((source, code))


def _minutes_of(raw: Any) -> float | None:
    """`duration_s` as minutes when it is a valid value; None when its validation will refuse it."""
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return None
    if not 0 < raw <= MAX_DURATION_S:  # also false for NaN
        return None
    minutes = round(raw / 60.0, SI_DECIMALS)
    return minutes if minutes > 0 else None


class Activity(Section):
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
        return check_alias(ACTIVITY_UNITS, value, info)

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        if not self.__pydantic_fields_set__.isdisjoint(self.alternative_units):
            convert_aliases(self, ACTIVITY_UNITS)
            self.__dict__["type_code"] = None  # still inside validation: see convert_aliases
            self.__pydantic_fields_set__.discard("type_code")
        return self
