"""The sections of a workout context other than the activity, and the base they share.

Every section is a frozen model that refuses unknown fields (so that a body with one takes
the lenient path, which reports it) and lists the fields that only carry another unit of an
SI field (`alternative_units`, converted by `app.workout.units`). Numbers and booleans must
arrive as JSON numbers and booleans.
"""

from __future__ import annotations

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

from app.workout.units import (
    CHANGE_LB,
    CHANGE_PCT,
    ENVIRONMENT_UNITS,
    GLUCOSE_MG_DL_PER_MMOL_L,
    HEALTH_UNITS,
    HYDRATION_UNITS,
    KG_PER_POUND,
    ML_PER_US_FL_OZ,
    SI_DECIMALS,
    check_alias,
    convert_aliases,
    disagreement,
)
from app.workout.vocabulary import (
    AssociatedSymptom,
    BodyPart,
    Diabetes,
    FitnessLevel,
    Medication,
    Severity,
    SymptomTiming,
    parse_medication,
)

Number = Annotated[float, Strict()]  # a JSON integer is accepted too
Count = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
T = TypeVar("T")


def _unique(items: list[T]) -> list[T]:
    """Drop repeated list entries (first one wins): a symptom counts once however often sent."""
    return list(dict.fromkeys(items))


def open_schema(schema: dict[str, Any]) -> None:
    # Unknown fields are refused only by strict validation; a normal request leaves them out
    # with a warning (app.workout.lenient), so the published schema does not forbid them.
    schema.pop("additionalProperties", None)


class Section(BaseModel):
    # `forbid` makes the one-pass parse fail on an unknown field, so that a request with one
    # takes the lenient path, which reports it; without it the field would vanish unseen.
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, json_schema_extra=open_schema
    )

    alternative_units: ClassVar[frozenset[str]] = frozenset()
    """Fields that only carry another unit of an SI field; rules never see them."""


class Environment(Section):
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
        return check_alias(ENVIRONMENT_UNITS, value, info)

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        if self.temperature_f is not None:
            convert_aliases(self, ENVIRONMENT_UNITS)
        return self


class Hydration(Section):
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
        return check_alias(HYDRATION_UNITS, value, info)

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
            if change_kg is not None and not CHANGE_LB.agrees(change_kg, CHANGE_LB.to_si(value)):
                raise disagreement(CHANGE_LB)
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
        if not BODY_MASSCHANGE_PCT_RANGE[0] <= pct <= BODY_MASSCHANGE_PCT_RANGE[1]:
            raise PydanticCustomError(
                "body_mass_change_range",
                "amounts to a change outside {low} % to +{high} % of body mass, "
                "the range of body_mass_change_pct",
                {
                    "low": f"{BODY_MASSCHANGE_PCT_RANGE[0]:g}",
                    "high": f"{BODY_MASSCHANGE_PCT_RANGE[1]:g}",
                },
            )
        given_pct = data.get("body_mass_change_pct")
        if given_pct is not None and not CHANGE_PCT.agrees(given_pct, pct):
            raise disagreement(CHANGE_PCT)
        return value

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        if self.__pydantic_fields_set__.isdisjoint(self.alternative_units):
            return self
        values = self.__dict__  # still inside validation: see convert_aliases
        mass_kg = _body_mass_kg(values)
        if values["body_mass_change_pct"] is None and mass_kg is not None:
            change_kg = values["body_mass_change_kg"]
            if change_kg is None and values["body_mass_change_lb"] is not None:
                change_kg = values["body_mass_change_lb"] * KG_PER_POUND
            if change_kg is not None:
                values["body_mass_change_pct"] = round(100.0 * change_kg / mass_kg, SI_DECIMALS)
                self.__pydantic_fields_set__.add("body_mass_change_pct")
        convert_aliases(self, HYDRATION_UNITS)
        for name in ("body_mass_change_kg", "body_mass_change_lb"):
            values[name] = None
            self.__pydantic_fields_set__.discard(name)
        return self


BODY_MASSCHANGE_PCT_RANGE = (-15.0, 5.0)  # the bounds of Hydration.body_mass_change_pct


def _body_mass_kg(values: dict[str, Any]) -> float | None:
    """The body mass in kg from whichever form was sent (kg wins when both were)."""
    mass: float | None = values.get("body_mass_kg")
    if mass is None and values.get("body_mass_lb") is not None:
        mass = values["body_mass_lb"] * KG_PER_POUND
    return mass


class Nutrition(Section):
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


class Preparation(Section):
    """Warm-up and cool-down."""

    warmup_min: Number | None = Field(None, ge=0, le=240, description="Warm-up length, minutes.")
    cooldown_min: Number | None = Field(
        None, ge=0, le=240, description="Cool-down length, minutes."
    )


class Training(Section):
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


class Athlete(Section):
    """The person, as far as it changes the interpretation."""

    age_years: Count | None = Field(None, ge=10, le=110, description="Age in years.")
    sleep_hours: Number | None = Field(
        None, ge=0, le=24, description="Sleep in the night before the session, hours."
    )


class Symptoms(Section):
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
        values = self.__dict__  # still inside validation: see convert_aliases
        for name in ("body_parts", "associated"):
            items = values[name]
            if items and len(items) > 1 and len(set(items)) < len(items):
                values[name] = _unique(items)
        return self


class HealthInfo(Section):
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
        return check_alias(HEALTH_UNITS, value, info)

    @model_validator(mode="after")
    def _to_si(self) -> Self:
        values = self.__dict__  # still inside validation: see convert_aliases
        if self.blood_glucose_mmol_l is not None:
            convert_aliases(self, HEALTH_UNITS)
        medications = values["medications"]
        if medications and len(medications) > 1 and len(set(medications)) < len(medications):
            values["medications"] = _unique(medications)
        return self


class Intake(Section):
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
