"""The TypeScript engine's context reading (clients/engine, `readContext`) against the server.

For every input the package must read the body exactly as `POST /v1/assessments` does: the
same context in SI units (the values the generated evaluator starts from and the
`normalized_context` echo), the same warnings, the same unknown symptom words, or the same
422 problem (and the same partial context for its triage). The server is the reference: a
difference fails, never a tolerance.

A body is compared as a JavaScript app would send it (`js_body`): JavaScript has one number
type, so `5.0` is the integer 5 and 1e21 and above print with an exponent, and it lists an
object's integer-like keys first; the server's reading of that body is the reference.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.assessments import Unassessable, _read_context, unknown_words
from app.rules.fields import INPUT_FIELDS
from app.workout.lenient import as_warnings, read_leniently
from app.workout.plan_data import vocabulary_plan
from tests.clients.engine_harness import read_contexts
from tests.rules.helpers import context_data, default_bundle, default_engine

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "rules" / "recorded_answers.json.gz"
VIGNETTES = ROOT.parent / "shared" / "vignettes"
PLAN = vocabulary_plan()
ENGINE = default_engine()
LOCALES = ("en", "es")
GENERATED = (
    1000  # bodies per generated strategy (invalid: twice as many), each in 2 modes x 2 locales
)
_INDEX_KEY = re.compile(r"0|[1-9][0-9]{0,9}")


# --- The server's reading -------------------------------------------------------------------


def js_number(value: int | float) -> int | float:
    """A number as JavaScript holds and prints it."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e21:
        return int(Decimal(repr(number)))  # the shortest digits, as JavaScript prints them
    return number


def js_body(value: Any) -> Any:
    """A JSON value as JavaScript would send it (numbers, the order of integer-like keys)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, list):
        return [js_body(item) for item in value]
    keys = list(value)
    index_keys = [k for k in keys if _INDEX_KEY.fullmatch(k) and int(k) < 2**32 - 1]
    ordered = sorted(index_keys, key=int) + [k for k in keys if k not in set(index_keys)]
    return {key: js_body(value[key]) for key in ordered}


def _flat(context: Any) -> dict[str, Any] | None:
    if context is None:
        return None
    result = ENGINE.generated.evaluate_context(context)
    values = {path: value for path, value in result.values.items() if path in INPUT_FIELDS}
    return {"values": values, "given": result.given}


def server_reading(raw: Any, strict: bool, locale: str) -> dict[str, Any]:
    """What the server makes of the body (app/api/assessments.py `_read_context`), in the
    shape `readContext` answers with, as JSON data."""
    loaded = SimpleNamespace(engine=ENGINE)
    body = json.dumps(raw, allow_nan=False).encode()
    try:
        context, issues = _read_context(body, loaded, locale, strict)  # type: ignore[arg-type]
    except Unassessable as exc:
        read = read_leniently(raw, ENGINE.synonyms(locale))
        problem = {
            "type": "https://tremor-guide.dev/problems/validation",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": exc.detail,
            "instance": "/v1/assessments",
            "errors": [error.model_dump() for error in exc.errors or []],
        }
        reading: dict[str, Any] = {
            "ok": False,
            "problem": problem,
            "redFlagContext": _flat(read.for_red_flags),
            "unknownWords": unknown_words(read.issues),
        }
    else:
        reading = {
            "ok": True,
            "context": _flat(context),
            "warnings": as_warnings(issues, locale),
            "unknownWords": unknown_words(issues),
        }
    normalised: dict[str, Any] = json.loads(json.dumps(reading))
    return normalised


def _config() -> dict[str, Any]:
    return {"vocabulary": PLAN, "synonyms": {loc: ENGINE.synonyms(loc) for loc in LOCALES}}


def compare(inputs: list[tuple[str, Any]], modes: tuple[bool, ...] = (False, True)) -> Counter[str]:
    """Read each (category, body) in each mode and locale by both; assert they agree. Returns
    the counts compared by category, mode and outcome."""
    requests = []
    for category, raw in inputs:
        body = js_body(raw)
        for strict in modes:
            for locale in LOCALES:
                requests.append((category, body, strict, locale))
    answers = read_contexts(
        _config(), [{"raw": b, "strict": s, "locale": loc} for _, b, s, loc in requests]
    )
    counts: Counter[str] = Counter()
    failures = []
    for (category, body, strict, locale), answer in zip(requests, answers, strict=True):
        expected = server_reading(body, strict, locale)
        mode = "strict" if strict else "lenient"
        outcome = "read" if expected["ok"] else "refused"
        counts[f"{category} {mode} {outcome}"] += 1
        if answer != expected:
            failures.append((category, mode, locale, body, expected, answer))
    if failures:
        lines = [f"{len(failures)} of {len(requests)} readings differ; the first ones:"]
        for category, mode, locale, body, expected, answer in failures[:5]:
            lines.append(f"- {category} {mode} {locale}: {json.dumps(body)[:600]}")
            lines.append(f"  server: {json.dumps(expected)[:1500]}")
            lines.append(f"  engine: {json.dumps(answer)[:1500]}")
        pytest.fail("\n".join(lines))
    return counts


def report(counts: Counter[str]) -> None:
    for key, count in sorted(counts.items()):
        print(f"{key}: {count}")


# --- Fixed inputs ---------------------------------------------------------------------------


def recorded_bodies() -> list[tuple[str, Any]]:
    with gzip.open(RECORDED, "rt", encoding="utf-8") as recorded:
        answers = json.load(recorded)["answers"]
    unique = {json.dumps(item["context"], sort_keys=True): item["context"] for item in answers}
    return [("recorded", body) for body in unique.values()]


def golden_bodies() -> list[tuple[str, Any]]:
    return [("golden", case.context) for case in default_bundle().golden_cases]


def vignette_bodies() -> list[tuple[str, Any]]:
    bodies = []
    for path in sorted(VIGNETTES.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")).get("cases", []):
            if isinstance(case, dict) and "context" in case:
                bodies.append(("vignette", case["context"]))
    return bodies


RUN = {"type": "running", "duration_min": 60}
HAND_WRITTEN: list[Any] = [
    None,
    1,
    "x",
    [],
    [1],
    {},
    {"activity": None},
    {"activity": "x"},
    {"activity": []},
    {"activity": {}},
    {"activity": {"type": "running"}},
    {"activity": {"duration_min": 5}},
    {"activity": {"type": None, "duration_min": "5"}},
    {"activity": {"type": 37, "duration_min": True}},
    {"activity": {"type": 5.5, "duration_min": 0}},
    {"activity": {"type": "HKWorkoutActivityTypeRunning", "duration_min": 1440}},
    {"activity": {"type": "EXERCISE_TYPE_BIKING_STATIONARY", "duration_min": 1440.0001}},
    {"activity": {"type": "trail running", "duration_s": 3600}},
    {"activity": {"type": "Run", "duration_s": 86400}},
    {"activity": {"type": "Run", "duration_s": 86400.5}},
    {"activity": {"type": "Run", "duration_s": 0.01}},
    {"activity": {"type": "Run", "duration_s": 0.02}},
    {"activity": {"type": "Run", "duration_s": 62.5, "duration_min": 1.04}},
    {"activity": {"type": "Run", "duration_s": 3600, "duration_min": 70}},
    {"activity": {"type_code": {"source": "healthkit", "code": 37}, "duration_min": 30}},
    {"activity": {"type_code": {"source": "health_connect", "code": 37}, "duration_min": 30}},
    {"activity": {"type_code": {"source": "healthkit", "code": 81}, "duration_min": 30}},
    {"activity": {"type_code": {"source": "fitbit", "code": 1}, "duration_min": 30}},
    {"activity": {"type_code": {"source": "healthkit"}, "duration_min": 30}},
    {"activity": {**RUN, "type_code": {"source": "healthkit", "code": 24}}},
    {"activity": {**RUN, "type_code": {"source": "healthkit", "code": 37, "x": 1}}},
    {"activity": {**RUN, "type_code": None, "distance_mi": 13.1, "distance_m": 5000}},
    {"activity": {**RUN, "distance_km": 21.1, "distance_mi": 13.1}},
    {"activity": {**RUN, "distance_km": 21.1, "distance_mi": 14}},
    {"activity": {**RUN, "elevation_gain_ft": 1000, "elevation_loss_ft": 32808.4}},
    {"environment": {"temperature_f": 87.8}, "activity": RUN},
    {"activity": RUN, "environment": {"temperature_f": 212}},
    {"activity": RUN, "environment": {"temperature_f": 98.6, "temperature_c": 37.3}},
    {"activity": RUN, "environment": {"temperature_f": 98.6, "temperature_c": 36}},
    {"activity": RUN, "hydration": {"fluid_intake_oz": 16.9, "body_mass_lb": 154}},
    {"activity": RUN, "hydration": {"body_mass_change_kg": -1.4}},
    {"activity": RUN, "hydration": {"body_mass_kg": 70, "body_mass_change_kg": -1.4}},
    {"activity": RUN, "hydration": {"body_mass_lb": 150, "body_mass_change_lb": -3}},
    {
        "activity": RUN,
        "hydration": {"body_mass_kg": 70, "body_mass_change_lb": -3, "body_mass_change_kg": -1.0},
    },
    {"activity": RUN, "hydration": {"body_mass_kg": 70, "body_mass_change_kg": -20}},
    {
        "activity": RUN,
        "hydration": {"body_mass_kg": 70, "body_mass_change_kg": -1.4, "body_mass_change_pct": -3},
    },
    {"activity": RUN, "hydration": {"body_mass_kg": 64, "body_mass_change_kg": 0.0005}},
    {
        "activity": RUN,
        "health": {
            "blood_glucose_mmol_l": 3.4,
            "medications": ["Salbutamol", "beta2_agonist", "SERTRALINE", "x", 5],
        },
    },
    {"activity": RUN, "health": {"blood_glucose_mmol_l": 3.4, "blood_glucose_mg_dl": 90}},
    {"activity": RUN, "symptoms": {"associated": "Chest pain"}},
    {
        "activity": RUN,
        "symptoms": {
            "associated": [
                "Opresión en el pecho",
                "chest_pain",
                "tummy ache",
                "<b>x</b>",
                3,
                None,
                "CHEST-PAIN",
            ]
        },
    },
    {"activity": RUN, "symptoms": {"associated": ["x"] * 40, "body_parts": ["calves"] * 13}},
    {"activity": RUN, "symptoms": {"associated": list(range(1001))}},
    {"activity": RUN, "symptoms": {"body_parts": ["calves", "calves", "quadriceps"]}},
    {"activity": RUN, "symptoms": {"body_parts": [[[[[[[[1]]]]]]]]}},
    {"activity": {"type": [[[[[[[[1]]]]]]]], "duration_min": 5}},
    {"activity": list(range(2000))},
    {"activity": RUN, "training": list(range(2000))},
    {"activity": RUN, **{f"extra_{i}": i for i in range(30)}},
    {"activity": {**RUN, **{f"extra_{i}": i for i in range(30)}}},
    {"activity": RUN, "hydration": {f"x{i}": i for i in range(25)}, "athlete": {"age_years": 9}},
    {"activity": RUN, "a[b": 1},
    {"activity": RUN, "body": 1},
    {"activity": RUN, "3": 1, "1": 2},
    {"activity": RUN, "athlete": {"age_years": 1e30, "sleep_hours": -1e-7}},
    {"activity": RUN, "athlete": {"age_years": 2**70}},
    {"activity": RUN, "athlete": {"age_years": 34.0}},
    {"activity": RUN, "x" * 300: 1},
    {"activity": RUN, "symptoms": {"associated": ["é" * 250, "chest pain" * 30]}},
    {"activity": RUN, "training": {"fitness_level": "Beginner", "sessions_per_week": 22}},
    {"activity": {"type": "running", "duration_min": -1}, "symptoms": {"associated": ["fainting"]}},
    {"activity": {"type": "jogging", "duration_min": 30}, "symptoms": {"associated": ["desmayo"]}},
]


def test_fixed_inputs_read_as_the_server_reads_them() -> None:
    inputs = [("hand-written", body) for body in HAND_WRITTEN]
    inputs += recorded_bodies() + golden_bodies()
    counts = compare(inputs)
    report(counts)
    assert sum(n for key, n in counts.items() if key.startswith("recorded")) >= 4 * 60


@pytest.mark.skipif(not VIGNETTES.is_dir(), reason="the public vignettes (../shared) are absent")
def test_public_vignettes_read_as_the_server_reads_them() -> None:
    inputs = vignette_bodies()
    assert inputs
    report(compare(inputs))


# --- Generated inputs -----------------------------------------------------------------------

_SECTION_FIELDS = {name: list(section["fields"]) for name, section in PLAN["sections"].items()}
_ALIASES = sorted(PLAN["activity_types"]["aliases"])
_PLATFORM_NAMES = sorted(
    {name for names in PLAN["activity_types"]["names"].values() for name in names}
)
_MEDICINES = sorted(PLAN["medications"]["aliases"])
_SYMPTOMS = sorted(PLAN["symptom_words"]["words"])
_SYNONYMS = sorted({word for loc in LOCALES for word in ENGINE.synonyms(loc)})

bad_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 0.5, 1e-7, 1e21, 2**53 + 1, 5.0, 1440, 86400, 10000, 100001]),
    st.text(max_size=12),
    st.sampled_from(["running", "Run", "other", "beginner", "during", "severe", "type1"]),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["source", "code", "x"]), st.integers(-5, 100), max_size=3),
)
spelled = st.tuples(
    st.sampled_from([*_ALIASES, *_PLATFORM_NAMES, "jogging", "HKWorkoutActivityType", "x" * 90]),
    st.sampled_from(["", "upper", "title", "spaces", "prefix"]),
).map(
    lambda pair: {
        "": pair[0],
        "upper": pair[0].upper(),
        "title": pair[0].title(),
        "spaces": pair[0].replace("_", " "),
        "prefix": "HKWorkoutActivityType" + pair[0],
    }[pair[1]]
)
symptom_words = st.one_of(
    st.sampled_from(_SYMPTOMS),
    st.sampled_from(_SYMPTOMS).map(lambda w: w.replace("_", " ").title()),
    st.sampled_from(_SYNONYMS or ["x"]),
    st.sampled_from(_SYNONYMS or ["x"]).map(lambda w: w.replace("_", " ").upper()),
    st.text(max_size=15),
    st.integers(0, 5),
    st.none(),
)
codes = st.fixed_dictionaries(
    {},
    optional={
        "source": st.sampled_from(["healthkit", "health_connect", "garmin"]),
        "code": st.one_of(st.integers(-2, 100), st.sampled_from([3000, 100001]), bad_values),
    },
)
unknown_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8
)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid body with some of it made wrong, renamed, put in other units or unknown."""
    body: dict[str, Any] = copy.deepcopy(draw(context_data))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                ["bad", "bad", "unit", "type", "code", "symptoms", "medicine", "unknown", "drop"]
            )
        )
        section = draw(st.sampled_from(sorted(_SECTION_FIELDS)))
        target = body.setdefault(section, {})
        if not isinstance(target, dict):
            continue
        if kind == "bad":
            target[draw(st.sampled_from(_SECTION_FIELDS[section]))] = draw(bad_values)
        elif kind == "unit":
            section = draw(st.sampled_from(["activity", "environment", "hydration", "health"]))
            fields = PLAN["sections"][section]["fields"]
            name = draw(st.sampled_from(sorted(fields)))
            low = fields[name].get("ge", fields[name].get("gt", -100))
            high = fields[name].get("le", 1000)
            value = draw(st.floats(low - 5, high + 5, allow_nan=False) | st.integers(-5, 500))
            body.setdefault(section, {})[name] = value
        elif kind == "type":
            body.setdefault("activity", {})["type"] = draw(spelled)
        elif kind == "code":
            activity = body.setdefault("activity", {})
            activity["type_code"] = draw(codes)
            if draw(st.booleans()):
                activity.pop("type", None)
        elif kind == "symptoms":
            words = draw(st.lists(symptom_words, max_size=6))
            body["symptoms"] = {"associated": words if draw(st.integers(0, 9)) else "Chest pain"}
        elif kind == "medicine":
            names = st.sampled_from(_MEDICINES).map(lambda m: m.upper().replace("_", " "))
            body["health"] = {
                "medications": draw(st.lists(names | st.text(max_size=6), max_size=5))
            }
        elif kind == "unknown":
            target[draw(unknown_names)] = draw(bad_values)
        elif kind == "drop" and section == "activity":
            target.pop(draw(st.sampled_from(["type", "duration_min"])), None)
    return body


def _collect(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


def test_generated_valid_contexts_read_as_the_server_reads_them() -> None:
    counts = compare([("generated-valid", body) for body in _collect(context_data, GENERATED)])
    report(counts)


def test_generated_invalid_contexts_read_as_the_server_reads_them() -> None:
    counts = compare([("generated-invalid", body) for body in _collect(mutated(), GENERATED * 2)])
    report(counts)
    assert counts["generated-invalid lenient read"] > 0
    assert counts["generated-invalid strict refused"] > 0


# --- The real API's 422 -----------------------------------------------------------------------


def test_refused_bodies_get_the_problem_the_api_answers(api: TestClient) -> None:
    """The problem the package builds (all but the triage, which is the engine's) is the
    one the API answers, for refused bodies in both modes."""
    bodies = [js_body(body) for body in HAND_WRITTEN + _collect(mutated(), 150)]
    requests = [
        {"raw": body, "strict": strict, "locale": locale}
        for body in bodies
        for strict in (False, True)
        for locale in LOCALES
    ]
    answers = read_contexts(_config(), requests)
    compared = 0
    for request, answer in zip(requests, answers, strict=True):
        if answer.get("ok") is not False:
            continue
        strict = "true" if request["strict"] else "false"
        response = api.post(
            f"/v1/assessments?strict={strict}&locale={request['locale']}",
            content=json.dumps(request["raw"]),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422, (request, response.text)
        problem = response.json()
        triage = problem.pop("triage", None)
        assert problem == answer["problem"], request
        if answer["redFlagContext"] is None:
            assert triage is None
        compared += 1
    print(f"422 problems compared with the API: {compared}")
    assert compared > 50
