"""The whole on-device evaluator (`assess` of clients/engine, through `dist/cli.js`) against
the real HTTP API.

For each body the package's CLI answers from the plan the API serves
(`GET /v1/content/versions/1/plan?locale=xx`), and the app answers `POST /v1/assessments`
with the same query (`?limit=`, `?strict=true`, the locale by `?locale=` or
`Accept-Language`): the two must be the same JSON after parsing, every field but
`assessment_id` (the API's is a token, the evaluator's null), numbers compared as JSON numbers
(95 == 95.0; a bool is never a number); a 422 problem is compared whole, its `triage` too.

Bodies: every recorded answer's body, every golden case's context, the hand-written bodies
and the generators of the context reader's tests (valid and invalid bodies), and arbitrary
JSON values, in en and es, lenient and strict, at limits 1 to 50. A body is sent as a
JavaScript app sends it (`js_body`), compactly. One node process per locale answers every
body of a test (JSON lines); the API is the app in-process (the suite's `client` fixture).
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.core.config import Settings
from tests.clients.engine_harness import PACKAGE, built_package, node_filter
from tests.clients.test_engine_answers import differences
from tests.clients.test_engine_context import HAND_WRITTEN, RUN, js_body, mutated
from tests.rules.helpers import context_data, default_bundle
from tests.rules.record_answers import RECORDED

CLI = PACKAGE / "dist" / "cli.js"
LOCALES = ("en", "es")
LIMITS = (1, 3, 5, 10, 50)
GENERATED = 400  # valid bodies (each in one mode); twice as many invalid ones (in both)
SIZE_BODIES: list[Any] = [
    # over 64 KiB and 20,000 values: refused unread, as the server does
    {"activity": RUN, "symptoms": {"body_parts": ["calves"] * 25_000}},
    # 20,000 values but under 64 KiB: read (the list is left out with a warning)
    {"activity": RUN, "symptoms": {"body_parts": [1] * 20_001}},
    # over 64 KiB, few values: read
    {"activity": RUN, "symptoms": {"associated": ["x" * 70_000]}},
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["activity", "type", "duration_min", "symptoms", "associated", "x"])
            | st.text(max_size=5),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)
arbitrary = st.one_of(
    json_values,
    st.fixed_dictionaries({"activity": json_values}, optional={"symptoms": json_values}),
    st.fixed_dictionaries(
        {"activity": st.just(RUN)},
        optional={name: json_values for name in ("symptoms", "hydration", "health", "x")},
    ),
    st.fixed_dictionaries(
        {"activity": st.fixed_dictionaries({"type": json_values, "duration_min": json_values})},
        optional={"symptoms": st.fixed_dictionaries({"associated": json_values})},
    ),
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings without the assess rate limit: thousands of answers are asked."""
    return settings.model_copy(
        update={
            "rate_limit_assess": "10000000/minute",
            "rate_limit_assess_per_client": "10000000/minute",
        }
    )


@pytest.fixture
def plans(client: TestClient, tmp_path: Path) -> Iterator[dict[str, Path]]:
    """The plan of version 1 in each locale, as the API serves it, in a file."""
    built_package()
    paths = {}
    for locale in LOCALES:
        response = client.get(f"/v1/content/versions/1/plan?locale={locale}")
        assert response.status_code == 200, response.text
        assert response.headers["etag"]
        paths[locale] = tmp_path / f"plan-{locale}.json"
        paths[locale].write_bytes(response.content)
    yield paths


def run_cli(plan: Path, lines: list[dict[str, Any]]) -> list[Any]:
    """Each request answered by one `node dist/cli.js PLAN` process."""
    answered = node_filter([str(CLI), str(plan)], [json.dumps(line) for line in lines])
    outputs = [json.loads(line) for line in answered]
    assert len(outputs) == len(lines), (len(outputs), len(lines))
    return outputs


def collect(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    found: list[Any] = []

    @hypothesis_settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(value: Any) -> None:
        found.append(value)

    draw()
    return found


def compare(
    client: TestClient,
    plans: dict[str, Path],
    bodies: list[tuple[str, Any]],
    both_modes: bool = True,
) -> Counter[str]:
    """Each (category, body) in each locale, lenient and strict (or one of them, in turn),
    by the CLI and by the API; fails on any difference. Returns the counts by category, mode
    and outcome."""
    requests: dict[str, list[tuple[str, Any, bool, int, int]]] = {loc: [] for loc in LOCALES}
    n = 0
    for m, (category, raw) in enumerate(bodies):
        body = js_body(raw)
        for strict in (False, True) if both_modes else (m % 2 == 1,):
            for locale in LOCALES:
                requests[locale].append((category, body, strict, LIMITS[n % len(LIMITS)], n))
                n += 1
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for locale in LOCALES:
        lines = []
        for _, body, strict, limit, k in requests[locale]:
            line: dict[str, Any] = {"context": body}
            if limit != 5 or k % 3:
                line["limit"] = limit
            if strict or k % 4 == 1:
                line["strict"] = strict
            lines.append(line)
        answers = run_cli(plans[locale], lines)
        for (category, body, strict, limit, k), got in zip(requests[locale], answers, strict=True):
            expected = api_answer(client, body, locale, strict, limit, k)
            outcome = "answered" if expected["status"] == 200 else "refused"
            if "triage" in expected["body"] and outcome == "refused":
                outcome += " with triage"
            counts[f"{category} {'strict' if strict else 'lenient'} {outcome}"] += 1
            found = compared(expected, got)
            if found:
                failures.append(
                    f"{category} {locale} strict={strict} limit={limit}: "
                    f"{json.dumps(body)[:400]}\n  " + "\n  ".join(found[:5])
                )
    if failures:
        pytest.fail(f"{len(failures)} of {n} differ; the first ones:\n" + "\n".join(failures[:8]))
    return counts


def api_answer(
    client: TestClient, body: Any, locale: str, strict: bool, limit: int, k: int
) -> dict[str, Any]:
    """`POST /v1/assessments` of the body as a JavaScript app sends it; the locale by query
    or by Accept-Language, the default limit by leaving it out."""
    params: dict[str, str] = {}
    headers = {"Content-Type": "application/json"}
    if limit != 5 or k % 2:
        params["limit"] = str(limit)
    if strict:
        params["strict"] = "true"
    if locale != "en" or k % 3 == 0:
        if k % 2:
            headers["Accept-Language"] = f"{locale},en;q=0.5"
        else:
            params["locale"] = locale
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    response = client.post(
        "/v1/assessments", params=params, content=content.encode(), headers=headers
    )
    assert response.status_code in (200, 422), (response.status_code, response.text[:500])
    return {"status": response.status_code, "body": response.json()}


def compared(expected: dict[str, Any], got: Any) -> list[str]:
    """Where the CLI's line differs from the API's answer (every field but the id)."""
    if not isinstance(got, dict) or "error" in got:
        return [f"the evaluator failed: {got!r}"[:800]]
    answer = expected["body"]
    if expected["status"] == 200:
        if got.get("assessment_id", "missing") is not None:
            return [f"assessment_id {got.get('assessment_id', 'missing')!r} is not null"]
        assert isinstance(answer.pop("assessment_id"), str)
        got = {key: value for key, value in got.items() if key != "assessment_id"}
    return differences(answer, got)


def report(counts: Counter[str]) -> None:
    for key, count in sorted(counts.items()):
        print(f"{key}: {count}")
    print(f"total: {sum(counts.values())}")


def recorded_bodies() -> list[tuple[str, Any]]:
    with gzip.open(RECORDED, "rt", encoding="utf-8") as recorded:
        answers = json.load(recorded)["answers"]
    unique = {json.dumps(item["context"], sort_keys=True): item["context"] for item in answers}
    return [("recorded", body) for body in unique.values()]


def test_recorded_and_golden_bodies(client: TestClient, plans: dict[str, Path]) -> None:
    recorded = recorded_bodies()
    golden = [("golden", case.context) for case in default_bundle().golden_cases]
    counts = compare(client, plans, recorded + golden)
    report(counts)
    assert sum(n for key, n in counts.items() if key.startswith("recorded")) >= 4 * 60
    assert sum(n for key, n in counts.items() if key.startswith("golden")) == 4 * len(golden)


def test_hand_written_bodies(client: TestClient, plans: dict[str, Path]) -> None:
    bodies = [("hand-written", body) for body in HAND_WRITTEN + SIZE_BODIES]
    counts = compare(client, plans, bodies)
    report(counts)
    assert counts["hand-written lenient refused"] > 10
    assert counts["hand-written lenient answered"] > 10


def test_generated_bodies(client: TestClient, plans: dict[str, Path]) -> None:
    valid = [("generated-valid", body) for body in collect(context_data, GENERATED)]
    counts = compare(client, plans, valid, both_modes=False)  # strict reads a valid body alike
    counts += compare(
        client, plans, [("generated-invalid", body) for body in collect(mutated(), 2 * GENERATED)]
    )
    report(counts)
    assert counts["generated-invalid lenient answered"] > 0
    assert counts["generated-invalid strict refused"] > 0


def test_any_json_value_is_answered_or_refused(client: TestClient, plans: dict[str, Path]) -> None:
    """`assess` never throws for a body: every arbitrary JSON value gets the API's answer or
    its problem (an error line of the CLI would be a difference)."""
    counts = compare(client, plans, [("arbitrary", body) for body in collect(arbitrary, GENERATED)])
    report(counts)
    assert counts["arbitrary lenient refused"] > 0
    assert counts["arbitrary lenient answered"] > 0


# --- What the evaluator refuses -------------------------------------------------------------

ASSESS_SCRIPT = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const { assess, isProblem } = await import(pathToFileURL(process.argv[1]).href);
const plan = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const out = [];
const run = { activity: { type: "running", duration_min: 30 } };
for (const [context, options] of [[run, {}], [run, { limit: 50 }], [1, {}], [run, { limit: 0 }],
    [run, { limit: 51 }], [run, { limit: 2.5 }], [run, { limit: "3" }]]) {
  try {
    const result = assess(plan, context, options);
    out.push({ ok: isProblem(result) ? "problem" : "answer" });
  } catch (error) {
    out.push({ error: `${error.name}: ${error.message}` });
  }
}
for (const format of [2, 0, "1", null]) {
  try {
    assess({ ...plan, plan_format: format }, run);
    out.push({ ok: "answered" });
  } catch (error) {
    out.push({ error: `${error.name}: ${error.message}` });
  }
}
console.log(JSON.stringify(out));
"""


def test_assess_refuses_another_plan_format_and_a_bad_limit(plans: dict[str, Path]) -> None:
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            ASSESS_SCRIPT,
            "--",
            str(PACKAGE / "dist" / "index.js"),
            str(plans["en"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out[:3] == [{"ok": "answer"}, {"ok": "answer"}, {"ok": "problem"}]
    for refused in out[3:7]:
        assert refused["error"].startswith("RangeError: limit must be an integer from 1 to 50")
    assert out[7]["error"].startswith("PlanFormatError: unsupported plan_format 2: ")
    assert "plan_format 1 only" in out[7]["error"]
    for refused in out[8:]:
        assert refused["error"].startswith("PlanFormatError: unsupported plan_format")


def test_the_cli_refuses_another_plan_format(plans: dict[str, Path], tmp_path: Path) -> None:
    plan = json.loads(plans["en"].read_text(encoding="utf-8"))
    plan["plan_format"] = 2
    future = tmp_path / "future.json"
    future.write_text(json.dumps(plan), encoding="utf-8")
    line = json.dumps({"context": {"activity": RUN}}) + "\n"
    done = subprocess.run(
        ["node", str(CLI), str(future)], input=line, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "PlanFormatError: unsupported plan_format 2" in done.stderr
    assert "plan_format 1 only" in done.stderr


def test_the_cli_answers_a_bad_line_with_an_error_on_its_line(plans: dict[str, Path]) -> None:
    lines = [
        "not json",
        "[1]",
        json.dumps({"limit": 3}),
        json.dumps({"context": {"activity": RUN}, "limit": 0}),
        json.dumps({"context": {"activity": RUN}, "limit": "5"}),
        json.dumps({"context": {"activity": RUN}, "strict": "yes"}),
        json.dumps({"context": {"activity": RUN}}),
    ]
    done = subprocess.run(
        ["node", str(CLI), str(plans["en"])],
        input="\n".join(lines),  # the last line without its newline
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = [json.loads(line) for line in done.stdout.split("\n") if line]
    assert len(out) == len(lines)
    assert all(set(item) == {"error"} for item in out[:6]), out[:6]
    assert out[6]["kind"] == "assessment" and out[6]["assessment_id"] is None
