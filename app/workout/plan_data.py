"""The workout context's parsing data as one JSON document: the vocabulary plan.

What it is for: an evaluator outside this service (issue 30, a TypeScript evaluator on the
phone) must read a workout context exactly as the server does. Everything that reading needs
which is data, rather than code, is here, derived from the definitions the models themselves
use (the pydantic fields, the enums, the platform tables, the unit aliases), never typed
again: for each section its fields with their kind, bounds and vocabulary, the fields in other
units and how each converts to its SI field, the activity type names and codes of the
platforms, the drug names and the keying of symptom words.

What it is not: the rules (the ruleset's plan is the content's), nor the lenient reading's
limits (`app.workout.lenient`), nor the error messages.

Every mapping is built with its keys sorted and lists keep their declared order, so
`json.dumps(vocabulary_plan())` is the same text on every run; `tests/workout/test_plan_data.py`
checks the plan against the models.
"""

from __future__ import annotations

import dataclasses
import types
from enum import StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from app.workout import platforms, units, vocabulary
from app.workout.activity import Activity
from app.workout.context import WorkoutContext
from app.workout.sections import Environment, HealthInfo, Hydration

PLAN_VERSION = 1
_BOUNDS = (annotated_types.Gt, annotated_types.Ge, annotated_types.Lt, annotated_types.Le)
# Fields whose words are read through a table of the plan before the enum checks them
# (`Activity._platform_names`, `HealthInfo._generic_names`; symptom words in the lenient
# reading only, `app.workout.lenient`).
_READ_THROUGH = {
    ("activity", "type"): "activity_types",
    ("health", "medications"): "medications",
    ("symptoms", "associated"): "symptom_words",
}
# `Activity._either_form`: a required field may come in its other form instead.
_OTHER_FORM = {("activity", "type_code"): "type"}
# `Hydration._change_to_pct`: an absolute body mass change (kg, or lb converted by its unit
# alias first) becomes this share of the body mass.
# Both forms sent must agree as `units.CHANGE_PCT` says.
_SHARE_OF = {
    "body_mass_change_kg": {
        "abs_tolerance": units.CHANGE_PCT.abs_tolerance,
        "percent_of": "body_mass_kg",
        "rel_tolerance": units.CHANGE_PCT.rel_tolerance,
        "si_field": "body_mass_change_pct",
        "si_unit": units.CHANGE_PCT.si_unit,
    },
}


def vocabulary_plan() -> dict[str, Any]:
    """The parsing data of a workout context, JSON-serialisable with its keys sorted.

    `sections` holds each section's fields: `kind` (number, integer, bool, enum, list,
    object), `required` (`activity.type` and `activity.duration_min` also when only their
    other form is sent: `stands_for`, or a `unit` whose `si_field` they are), the bounds as
    pydantic declares them (gt, ge, lt, le), a list's `max_items` and `items`, an enum's name
    in `enums`, `read_through` naming the table its words are read with first, and for a
    field that only carries another unit (`alternative`) its `unit`: the SI field and the
    conversion (`units` says how to apply it). Mappings are sorted, so each model's `order`
    (and `section_order`) lists its fields as declared: the order validation reads them in,
    which decides the order of errors and which fields a unit's check can see.
    """
    enums: dict[str, list[str]] = {}
    sections = {
        name: {
            "fields": _fields(name, _model_of(info), enums),
            "model": _model_of(info).__name__,
            "order": list(_model_of(info).model_fields),
            "required": info.is_required(),
        }
        for name, info in WorkoutContext.model_fields.items()
    }
    plan = {
        "activity_types": _activity_types(),
        "enums": enums,
        "lists": "a repeated entry is dropped, the first one kept",
        "medications": _medications(),
        "section_order": list(WorkoutContext.model_fields),
        "sections": sections,
        "symptom_words": _symptom_words(),
        "units": {
            "agreement_slack": units.AGREEMENT_SLACK,
            "conversion": "(value + offset) * factor / divisor, an offset of 0 and a divisor "
            "of 1 skipped; rounded to si_decimals",
            "si_decimals": units.SI_DECIMALS,
            "tolerance": "both forms sent agree when they differ by at most max(abs_tolerance,"
            " rel_tolerance * |SI value|) + agreement_slack",
        },
        "version": PLAN_VERSION,
    }
    ordered: dict[str, Any] = _sorted(plan)
    return ordered


def _model_of(info: FieldInfo) -> type[BaseModel]:
    model = _plain(info.annotation)
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def _plain(annotation: Any) -> Any:
    """The type under `| None` and `Annotated[...]`."""
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [arg for arg in get_args(annotation) if arg is not type(None)]
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _fields(section: str, model: type[BaseModel], enums: dict[str, list[str]]) -> dict[str, Any]:
    aliases = _unit_aliases(model)
    described = {}
    for name, info in model.model_fields.items():
        field = {**_kind(info.annotation, enums), "required": info.is_required()}
        field.update(_constraints(info))
        if (section, name) in _READ_THROUGH:
            field["read_through"] = _READ_THROUGH[section, name]
        if (section, name) in _OTHER_FORM:
            field["stands_for"] = _OTHER_FORM[section, name]
        if name in aliases:
            field["unit"] = _unit(aliases[name])
        elif model is Hydration and name in _SHARE_OF:
            field["unit"] = _SHARE_OF[name]
        if name in model.alternative_units:  # type: ignore[attr-defined]
            field["alternative"] = True
        described[name] = field
    return described


def _kind(annotation: Any, enums: dict[str, list[str]]) -> dict[str, Any]:
    plain = _plain(annotation)
    if get_origin(plain) is list:
        (item,) = get_args(plain)
        return {"items": _kind(item, enums), "kind": "list"}
    if isinstance(plain, type) and issubclass(plain, StrEnum):
        enums[plain.__name__] = [member.value for member in plain]
        return {"enum": plain.__name__, "kind": "enum"}
    if isinstance(plain, type) and issubclass(plain, BaseModel):
        return {
            "fields": _fields("", plain, enums),
            "kind": "object",
            "model": plain.__name__,
            "order": list(plain.model_fields),
        }
    kinds = {bool: "bool", int: "integer", float: "number"}
    return {"kind": kinds[plain]}


def _constraints(info: FieldInfo) -> dict[str, Any]:
    """The bounds as pydantic declares them (gt, ge, lt, le) and a list's max_items."""
    constraints: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, _BOUNDS):
            (bound,) = dataclasses.fields(item)  # e.g. Ge(ge=0)
            constraints[bound.name] = getattr(item, bound.name)
        elif isinstance(item, annotated_types.MaxLen):
            constraints["max_items"] = item.max_length
    return constraints


def _unit_aliases(model: type[BaseModel]) -> dict[str, units.UnitAlias]:
    """The unit aliases each section's validators convert with, by field."""
    by_model: dict[type[BaseModel], dict[str, units.UnitAlias]] = {
        Activity: units.ACTIVITY_UNITS,
        Environment: units.ENVIRONMENT_UNITS,
        Hydration: {**units.HYDRATION_UNITS, "body_mass_change_lb": units.CHANGE_LB},
        HealthInfo: units.HEALTH_UNITS,
    }
    return by_model.get(model, {})


def _unit(alias: units.UnitAlias) -> dict[str, Any]:
    return {
        "abs_tolerance": alias.abs_tolerance,
        "divisor": alias.divisor,
        "factor": alias.factor,
        "offset": alias.offset,
        "rel_tolerance": alias.rel_tolerance,
        "si_field": alias.si_field,
        "si_unit": alias.si_unit,
    }


def _activity_types() -> dict[str, Any]:
    return {
        "aliases": {key: kind.value for key, kind in platforms.ACTIVITY_ALIASES.items()},
        "codes": {
            source.value: {
                str(code): {
                    "name": name,
                    "type": platforms.CODE_KINDS[source.value, code].value,
                }
                for code, name in codes.items()
            }
            for source, codes in platforms.PLATFORM_CODES.items()
        },
        "key": {
            "lowercase": True,
            "prefixes_dropped": list(platforms.PLATFORM_PREFIXES),
            "removed": platforms.SQUASHED_OUT,
        },
        "name_pattern": platforms.TYPE_NAME_OK.pattern,
        "names": {
            vocabulary_name: {name: kind.value for kind, names in by_kind.items() for name in names}
            for vocabulary_name, by_kind in platforms.VOCABULARIES.items()
        },
    }


def _word_key(*, accents_removed: bool) -> dict[str, Any]:
    key: dict[str, Any] = {
        "joiner": vocabulary.WORD_JOINER,
        "lowercase": True,
        "separators": vocabulary.WORD_SEPARATORS,
        "strip_joiner": True,
    }
    if accents_removed:
        key["unicode"] = "NFKD, then only its ASCII characters"
    return key


def _medications() -> dict[str, Any]:
    return {
        "aliases": {name: kind.value for name, kind in vocabulary.MEDICATION_ALIASES.items()},
        "key": _word_key(accents_removed=False),
        "max_length": vocabulary.MEDICATION_NAME_MAX,
    }


def _symptom_words() -> dict[str, Any]:
    return {
        "key": _word_key(accents_removed=True),
        "max_length": vocabulary.SYMPTOM_WORD_MAX,
        "words": dict(vocabulary.SYMPTOM_WORDS),
    }


def _sorted(value: Any) -> Any:
    """The value with every mapping's keys in sorted order (lists keep theirs)."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(item) for item in value]
    return value
