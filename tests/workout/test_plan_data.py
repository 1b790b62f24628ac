"""The vocabulary plan agrees with the models, and is the same JSON on every run.

The bounds and enums are checked against the models' own JSON schema (what the spec
publishes), the conversions and tables against what validation does with them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from app.workout.context import ALTERNATIVE_UNIT_FIELDS, WorkoutContext
from app.workout.plan_data import vocabulary_plan
from app.workout.platforms import activity_type_from_code, parse_activity_type
from app.workout.vocabulary import AssociatedSymptom

PLAN = vocabulary_plan()
SCHEMA = WorkoutContext.model_json_schema()
BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}


def schema_of(ref_holder: dict[str, Any]) -> dict[str, Any]:
    """The definition a property points to (`$ref`, or the non-null branch of `anyOf`)."""
    for branch in ref_holder.get("anyOf", [ref_holder]):
        if branch.get("type") != "null":
            ref = branch.get("$ref")
            return SCHEMA["$defs"][ref.rsplit("/", 1)[1]] if ref else branch
    raise AssertionError(ref_holder)


def fields_and_schemas() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    rows = []
    for section, described in PLAN["sections"].items():
        properties = schema_of(SCHEMA["properties"][section])["properties"]
        for name, field in described["fields"].items():
            rows.append((section, name, field, schema_of(properties[name])))
    return rows


def test_json_serialisable_and_stable() -> None:
    text = json.dumps(PLAN, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == PLAN
    assert text == json.dumps(PLAN, sort_keys=True, allow_nan=False, ensure_ascii=False)
    assert text == json.dumps(vocabulary_plan(), allow_nan=False, ensure_ascii=False)


def test_every_section_and_field_is_described() -> None:
    assert set(PLAN["sections"]) == set(WorkoutContext.model_fields)
    for section, info in WorkoutContext.model_fields.items():
        model = PLAN["sections"][section]
        assert model["required"] is info.is_required()
        assert set(model["fields"]) == set(schema_of(SCHEMA["properties"][section])["properties"])


def test_bounds_and_enums_are_the_schemas() -> None:
    for section, name, field, schema in fields_and_schemas():
        where = f"{section}.{name}"
        for bound, keyword in BOUNDS.items():
            assert field.get(bound) == schema.get(keyword), where
        if field["kind"] == "enum":
            assert PLAN["enums"][field["enum"]] == schema["enum"], where
        if field["kind"] == "list":
            assert field.get("max_items") == schema.get("maxItems"), where
            items = schema_of(schema["items"])
            assert PLAN["enums"][field["items"]["enum"]] == items["enum"], where
        expected = {"number": "number", "integer": "integer", "bool": "boolean"}
        if field["kind"] in expected:
            assert schema["type"] == expected[field["kind"]], where


def test_every_alternative_unit_converts_as_the_plan_says() -> None:
    described = {
        f"{section}.{name}": field
        for section, model in PLAN["sections"].items()
        for name, field in model["fields"].items()
        if field.get("alternative")
    }
    assert set(described) == ALTERNATIVE_UNIT_FIELDS
    units = PLAN["units"]
    for path, field in described.items():
        section, name = path.split(".")
        if "stands_for" in field:
            assert field["stands_for"] in PLAN["sections"][section]["fields"]
            continue
        unit = field["unit"]
        assert unit["si_field"] in PLAN["sections"][section]["fields"]
        if "percent_of" in unit or f"{section}.{unit['si_field']}" in ALTERNATIVE_UNIT_FIELDS:
            continue  # a body mass change: checked below
        value = (field.get("ge", field.get("gt", 0)) + field["le"]) / 3 + 0.123
        body: dict[str, Any] = {"activity": {"type": "running", "duration_min": 30}}
        body.setdefault(section, {})[name] = value
        if section == "activity" and name == "duration_s":
            del body["activity"]["duration_min"]
        context = WorkoutContext.model_validate(body)
        converted = value
        if unit["offset"]:
            converted = converted + unit["offset"]
        converted = converted * unit["factor"]
        if unit["divisor"] != 1:
            converted = converted / unit["divisor"]
        expected = round(converted, units["si_decimals"])
        assert getattr(getattr(context, section), unit["si_field"]) == expected, path


def test_a_body_mass_change_is_a_share_of_the_body_mass() -> None:
    fields = PLAN["sections"]["hydration"]["fields"]
    share = fields["body_mass_change_kg"]["unit"]
    assert fields["body_mass_change_lb"]["unit"]["si_field"] == "body_mass_change_kg"
    hydration = {"body_mass_change_kg": -1.5, share["percent_of"]: 60}
    context = WorkoutContext.model_validate({**minimal(), "hydration": hydration})
    assert getattr(context.hydration, share["si_field"]) == -2.5


def minimal() -> dict[str, Any]:
    return {"activity": {"type": "running", "duration_min": 30}}


def test_activity_names_and_codes_are_the_parsers() -> None:
    types = PLAN["activity_types"]
    assert set(types["aliases"].values()) == set(PLAN["enums"]["ActivityType"])
    for names in types["names"].values():
        for name, kind in names.items():
            assert parse_activity_type(name).value == kind, name
            prefixed = "HKWorkoutActivityType" + name[:1].upper() + name[1:]
            assert parse_activity_type(prefixed).value == kind, prefixed
    for key, kind in types["aliases"].items():
        assert re.fullmatch(types["name_pattern"], key)
        assert parse_activity_type(key).value == kind
    for source, codes in types["codes"].items():
        assert source in PLAN["enums"]["CodeSource"]
        for code, described in codes.items():
            assert activity_type_from_code(source, int(code)).value == described["type"]
            assert parse_activity_type(described["name"]).value == described["type"]


@pytest.mark.parametrize("table", ["medications", "symptom_words"])
def test_word_tables_key_words_as_the_parser(table: str) -> None:
    plan = PLAN[table]
    key = plan["key"]

    def keyed(word: str) -> str:
        return re.sub(key["separators"], key["joiner"], word.lower()).strip(key["joiner"])

    if table == "medications":
        assert set(plan["aliases"].values()) == set(PLAN["enums"]["Medication"])
        for name, kind in plan["aliases"].items():
            sent = name.upper().replace("_", " ")
            assert keyed(sent) == name
            health = {"medications": [sent]}
            context = WorkoutContext.model_validate({**minimal(), "health": health})
            assert context.health.medications == [kind]
    else:
        assert set(plan["words"]) == {symptom.value for symptom in AssociatedSymptom}
        assert PLAN["sections"]["symptoms"]["fields"]["associated"]["read_through"] == table
        for word in plan["words"]:
            assert keyed(word.replace("_", " ").title()) == word


def test_read_through_tables_exist() -> None:
    for _section, _name, field, _schema in fields_and_schemas():
        if "read_through" in field:
            assert field["read_through"] in PLAN
