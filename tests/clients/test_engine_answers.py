"""The on-device engine (clients/engine, TypeScript) answers as the server does.

The server's answer is the reference: a difference is a failure, never a tolerance. For each
locale of the default content the engine gets the plan (`app.rules.plan.plan_json`) and, per
case, the context as the server read it (`evaluate_context`: the input values without the
derived ones, which the engine computes itself, the `normalized_context`, the reader's
warnings and the symptom words it could not read); its answer must equal
`AssessmentEngine.assess_payload` after JSON parsing, every field but `assessment_id`, with
numbers compared by value (JavaScript has one number type: 31 and 31.0 are one number) and
every other type exactly.

Cases: every body of the recorded answers, every golden case, generated contexts (the
hypothesis strategy of the rule tests, and `bench.contexts.varied`), limits 1, 3, 5, 10, 50.
The package is built once per session (`npm ci`, `npm run build`, skipped when current) and
one node process answers every case (`clients/engine/conformance-runner.mjs`).
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.assessments import unknown_words
from app.rules.plan import PLAN_FORMAT, plan_json
from app.workout.context import WorkoutContext
from app.workout.lenient import InputIssue, as_warnings, read_leniently
from bench.contexts import varied
from bench.ts_engine_inputs import reading_of
from tests.clients.engine_harness import built_package
from tests.rules.helpers import context_data, default_bundle, default_engine
from tests.rules.record_answers import RECORDED

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "clients" / "engine"
RUNNER = PACKAGE / "conformance-runner.mjs"
LOCALES = ("en", "es")
LIMITS = (1, 3, 5, 10, 50)
UNKNOWN = ("wobbly knees", "", "mareo raro")


class Runner:
    """One node process: a JSON line in, a JSON line out."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(RUNNER)],
            cwd=PACKAGE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )

    def ask(self, request: dict[str, Any]) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the node runner stopped"
        return json.loads(line)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    built_package()
    engine = default_engine()
    process = Runner()
    for locale in LOCALES:
        plan = json.loads(plan_json(engine, locale))
        assert process.ask({"define": locale, "plan": plan}) == {"ok": True}
    yield process
    process.close()


def server_answer(
    context: WorkoutContext,
    locale: str,
    limit: int,
    issues: Sequence[InputIssue] = (),
    words: Sequence[str] = (),
) -> dict[str, Any]:
    payload = default_engine().assess_payload(
        context,
        locale=locale,
        limit=limit,
        assessment_id="",
        unknown_words=[*unknown_words(tuple(issues)), *words] if issues or words else (),
    )
    if issues:
        payload["warnings"] = as_warnings(tuple(issues), locale) + payload["warnings"]
    answer: dict[str, Any] = json.loads(json.dumps(payload))
    del answer["assessment_id"]
    return answer


def differences(expected: Any, got: Any, path: str = "") -> list[str]:
    """Where two JSON values differ: numbers by value (int and float alike), all else by
    type and value."""

    def is_number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    if is_number(expected) and is_number(got):
        return [] if expected == got else [f"{path}: {expected!r} != {got!r}"]
    if type(expected) is not type(got):
        return [f"{path}: {expected!r} != {got!r}"]
    if isinstance(expected, dict):
        if set(expected) != set(got):
            return [f"{path}: keys {sorted(expected)} != {sorted(got)}"]
        return [
            d for key in expected for d in differences(expected[key], got[key], f"{path}.{key}")
        ]
    if isinstance(expected, list):
        if len(expected) != len(got):
            return [f"{path}: {len(expected)} items != {len(got)}: {expected!r} != {got!r}"]
        return [d for n, (e, g) in enumerate(zip(expected, got, strict=True))
                for d in differences(e, g, f"{path}[{n}]")]  # fmt: skip
    return [] if expected == got else [f"{path}: {expected!r} != {got!r}"]


def check(
    runner: Runner,
    context: WorkoutContext,
    locale: str,
    limit: int,
    issues: Sequence[InputIssue] = (),
    words: Sequence[str] = (),
) -> list[str]:
    reading = reading_of(context, issues, locale)
    reading["unknownWords"] = [*reading["unknownWords"], *words]
    got = runner.ask({"plan": locale, "reading": reading, "limit": limit})
    if "error" in got:
        return [f"engine error: {got['error']}"]
    got.pop("assessment_id", "missing")
    return differences(server_answer(context, locale, limit, issues, words), got)


def recorded_bodies() -> list[tuple[str, dict[str, Any]]]:
    with gzip.open(RECORDED, "rt", encoding="utf-8") as source:
        answers = json.load(source)["answers"]
    bodies: dict[str, dict[str, Any]] = {}
    for entry in answers:
        bodies.setdefault(entry["name"], entry["context"])
    return sorted(bodies.items())


def run_bodies(
    runner: Runner, named: Sequence[tuple[str, dict[str, Any]]]
) -> tuple[int, list[str]]:
    """Each body in each locale at each limit, read as the service reads it."""
    count, failures = 0, []
    for n, (name, body) in enumerate(named):
        for locale in LOCALES:
            read = read_leniently(body, default_engine().synonyms(locale))
            if read.context is None:
                continue
            for limit in LIMITS if n % 4 == 0 else LIMITS[n % 2 :: 2]:
                count += 1
                found = check(runner, read.context, locale, limit, read.issues)
                failures += [f"{name} {locale} {limit}: {d}" for d in found[:3]]
    return count, failures


def test_recorded_bodies(runner: Runner) -> None:
    count, failures = run_bodies(runner, recorded_bodies())
    assert count > 500
    assert not failures, f"{len(failures)} differences in {count} answers:\n" + "\n".join(
        failures[:20]
    )


def test_golden_cases(runner: Runner) -> None:
    cases = [(f"golden-{case.id}", case.context) for case in default_bundle().golden_cases]
    count, failures = run_bodies(runner, cases)
    assert count >= len(cases)
    assert not failures, f"{len(failures)} differences in {count} answers:\n" + "\n".join(
        failures[:20]
    )


def test_varied_contexts(runner: Runner) -> None:
    count, failures = 0, []
    for n, body in enumerate(varied(600, seed=11)):
        context = WorkoutContext.model_validate(body)
        locale = LOCALES[n % 2]
        limit = LIMITS[n % len(LIMITS)]
        words = (UNKNOWN[n % 3],) if n % 7 == 0 else ()
        count += 1
        failures += [f"varied-{n} {locale} {limit}: {d}" for d in
                     check(runner, context, locale, limit, words=words)[:3]]  # fmt: skip
    assert not failures, f"{len(failures)} differences in {count} answers:\n" + "\n".join(
        failures[:20]
    )


@settings(
    max_examples=1500,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    data=context_data,
    locale=st.sampled_from(LOCALES),
    limit=st.sampled_from(LIMITS),
    words=st.lists(st.sampled_from(UNKNOWN), max_size=2),
)
def test_generated_contexts(
    runner: Runner, data: dict[str, Any], locale: str, limit: int, words: list[str]
) -> None:
    context = WorkoutContext.model_validate(data)
    found = check(runner, context, locale, limit, words=words)
    assert not found, "\n".join(found[:10])


def test_a_plan_of_another_format_is_refused(runner: Runner) -> None:
    plan = json.loads(plan_json(default_engine(), "en"))
    plan["plan_format"] = PLAN_FORMAT + 1
    assert runner.ask({"define": "future", "plan": plan}) == {"ok": True}
    context = WorkoutContext.model_validate({"activity": {"type": "running", "duration_min": 30}})
    got = runner.ask({"plan": "future", "reading": reading_of(context), "limit": 5})
    assert got["error"].startswith("PlanFormatError: unsupported plan_format 2")
    assert "plan_format 1" in got["error"]


def test_counterfactuals_are_refused_clearly(runner: Runner) -> None:
    context = WorkoutContext.model_validate({"activity": {"type": "running", "duration_min": 30}})
    got = runner.ask(
        {"plan": "en", "reading": reading_of(context), "limit": 5, "explain": "counterfactuals"}
    )
    assert "counterfactuals is not supported" in got["error"]
