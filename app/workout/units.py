"""Units: the fields in other units that stand for an SI field, and how each converts.

Units are in every field's name; a value in another unit (`temperature_f`, `distance_mi`,
...) is converted into its SI field of the same section during validation and then cleared,
so rules only ever see SI values. Each conversion is data (`UnitAlias`: a factor, and for
temperatures an offset and a divisor), so it can be published as it is computed
(`app.workout.plan_data`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ValidationInfo
from pydantic_core import PydanticCustomError

# Exact by definition (the international yard and pound, the US customary fluid ounce).
ML_PER_US_FL_OZ = 29.5735295625
KM_PER_MILE = 1.609344
M_PER_FOOT = 0.3048
KG_PER_POUND = 0.45359237
GLUCOSE_MG_DL_PER_MMOL_L = 18.016  # glucose's molar mass, 180.16 g/mol
SI_DECIMALS = 3  # converted values are rounded so that 87.8 °F reads as 31 °C, not 31.000000004
AGREEMENT_SLACK = 1e-9  # added to a tolerance, so a difference of exactly it agrees


@dataclass(frozen=True, slots=True)
class UnitAlias:
    """A field in another unit that stands for an SI field of the same section.

    Its SI value is `(value + offset) * factor / divisor`, each step taken only when it
    changes something (an offset of 0, a divisor of 1 are skipped), in that order.
    """

    si_field: str
    factor: float
    si_unit: str
    abs_tolerance: float  # both forms sent: they may differ by this much (SI units) ...
    rel_tolerance: float = 0.0  # ... or by this share of the SI value, whichever is larger
    offset: float = 0.0
    divisor: float = 1.0

    def to_si(self, value: float) -> float:
        if self.offset:
            value = value + self.offset
        value = value * self.factor
        if self.divisor != 1.0:
            value = value / self.divisor
        return value

    def agrees(self, si_value: float, converted: float) -> bool:
        tolerance = max(self.abs_tolerance, self.rel_tolerance * abs(si_value))
        return abs(si_value - converted) <= tolerance + AGREEMENT_SLACK

    def tolerance_text(self) -> str:
        text = f"{self.abs_tolerance:g} {self.si_unit}"
        if self.rel_tolerance:
            text += f" or {self.rel_tolerance:.0%}"
        return text


# The alternative units of each section, by field name.
ACTIVITY_UNITS = {
    "distance_mi": UnitAlias("distance_km", KM_PER_MILE, "km", 0.01, 0.01),
    "elevation_gain_ft": UnitAlias("elevation_gain_m", M_PER_FOOT, "m", 1.0, 0.01),
    "elevation_loss_ft": UnitAlias("elevation_loss_m", M_PER_FOOT, "m", 1.0, 0.01),
    "duration_s": UnitAlias("duration_min", 1 / 60, "min", 0.5, 0.01),
    "distance_m": UnitAlias("distance_km", 0.001, "km", 0.01, 0.01),
}
ENVIRONMENT_UNITS = {
    # (°F - 32) * 5 / 9
    "temperature_f": UnitAlias("temperature_c", 5.0, "°C", 0.5, offset=-32.0, divisor=9.0),
}
HYDRATION_UNITS = {
    "fluid_intake_oz": UnitAlias("fluid_intake_ml", ML_PER_US_FL_OZ, "ml", 5.0, 0.01),
    "body_mass_lb": UnitAlias("body_mass_kg", KG_PER_POUND, "kg", 0.5, 0.01),
}
HEALTH_UNITS = {
    "blood_glucose_mmol_l": UnitAlias(
        "blood_glucose_mg_dl", GLUCOSE_MG_DL_PER_MMOL_L, "mg/dL", 2.0, 0.03
    ),
}
# A body mass change in lb or kg becomes `body_mass_change_pct` (a share of the body mass):
# the lb form is first converted to kg, and both forms sent must agree.
CHANGE_LB = UnitAlias("body_mass_change_kg", KG_PER_POUND, "kg", 0.05, 0.01)
CHANGE_PCT = UnitAlias("body_mass_change_pct", 1.0, "percentage points", 0.1, 0.02)


def disagreement(alias: UnitAlias) -> PydanticCustomError:
    return PydanticCustomError(
        "unit_mismatch",
        "does not match {si_field} (they differ by more than {tolerance}); send one of the two, "
        "or both describing the same value",
        {"si_field": alias.si_field, "tolerance": alias.tolerance_text()},
    )


def check_alias(
    aliases: dict[str, UnitAlias], value: float | None, info: ValidationInfo
) -> float | None:
    """Refuse an alternative-unit value that contradicts its SI field sent alongside."""
    if value is None:  # an explicit null, e.g. from a dumped context
        return None
    assert info.field_name is not None
    alias = aliases[info.field_name]
    si_value = info.data.get(alias.si_field)
    if si_value is not None and not alias.agrees(si_value, alias.to_si(value)):
        raise disagreement(alias)
    return value


def convert_aliases(section: BaseModel, aliases: dict[str, UnitAlias]) -> None:
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
