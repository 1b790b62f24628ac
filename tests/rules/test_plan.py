"""The compiled plan: one JSON document per version and locale, described by the committed
JSON Schema, the same bytes every time, its conditions where the evaluator leaves them."""

from __future__ import annotations

import json

import jsonschema
import pytest

from app.rules.compiler import condition_key
from app.rules.ops import OPERATORS
from app.rules.plan import PLAN_FORMAT, SCHEMA_PATH, build_plan, plan_json, render_schema
from app.rules.versions import AssessmentEngine
from tests.rules.helpers import default_bundle, default_engine

ENGINE = default_engine()


def test_the_committed_schema_is_current() -> None:
    """`python -m app.rules.plan` (or `make openapi`) writes it again."""
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema()


@pytest.mark.parametrize("locale", sorted(ENGINE.texts))
def test_the_default_contents_plan_is_valid_against_the_schema(locale: str) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    plan = json.loads(plan_json(ENGINE, locale))
    jsonschema.Draft202012Validator(schema).validate(plan)
    assert plan["plan_format"] == PLAN_FORMAT and plan["locale"] == locale
    assert plan["content_version"] == ENGINE.version


def test_the_same_engine_gives_the_same_bytes() -> None:
    again = AssessmentEngine(default_bundle(), ENGINE.version)
    for locale in ENGINE.texts:
        assert plan_json(ENGINE, locale) == plan_json(ENGINE, locale) == plan_json(again, locale)


def test_an_unknown_locale_gets_the_default_locales_plan() -> None:
    assert plan_json(ENGINE, "xx") == plan_json(ENGINE, ENGINE.bundle.default_locale)


def test_conditions_and_inputs_are_in_the_evaluators_order() -> None:
    plan = build_plan(ENGINE, "en")
    keys = [
        condition_key(condition)  # type: ignore[arg-type]
        for condition in plan.conditions
    ]
    index = ENGINE.generated.condition_index
    assert keys == sorted(index, key=index.__getitem__)
    assert all(condition.op in OPERATORS for condition in plan.conditions)
    bits = ENGINE.generated.input_bits
    assert [field.path for field in plan.input_fields] == list(bits)
    assert [1 << n for n in range(len(bits))] == list(bits.values())
    assert [cause.id for cause in plan.causes] == [c.id for c in ENGINE.ruleset.causes]
    assert [flag.id for flag in plan.red_flags] == [f.id for f in ENGINE.ruleset.red_flags]
