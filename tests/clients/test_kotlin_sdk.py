"""The whole Kotlin client an Android app generates compiles, and its API classes work live.

openapi-generator's `kotlin` generator (gson, `enumUnknownDefaultCase=true`) writes the
client of openapi/app.json: API classes, models and the OkHttp infrastructure. All of it is
compiled, with `clients/kotlin/UnknownEnumFallback.kt` (what an app adds) and `kotlin/Main.kt`
(an app's calls), by the Kotlin compiler of the npm package `kotlin-compiler` (locked in
clients/kotlin-toolchain; `.ci/run` runs `npm ci` there) against the OkHttp, Okio and Gson jars
in ~/.m2, as Gradle would. Main.kt then calls a live server: an assessment, a red flag, a 422,
a batch with a bad item, feedback, the lists, a version with its bundle, a 304, a 429, and an
answer with enum values the client does not know.

Compiling takes a minute or two of CPU, so the classes are kept under the system's temporary
folder, keyed by the hash of the spec, the generator, the compiler and the sources (see
openapi_generator): once per spec, not once per test or per run.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.openapi_generator import (
    APP_SPEC,
    ROOT,
    WHOLE_CLIENT,
    cached,
    complaints,
    fingerprint,
    generate,
    require_java,
)
from tests.clients.tools import require_tool
from tests.e2e.conftest import LiveServer

APP_SOURCES = ROOT / "clients" / "kotlin"
TEST_SOURCES = Path(__file__).with_name("kotlin")
TOOLCHAIN = ROOT / "clients" / "kotlin-toolchain"
COMPILER = TOOLCHAIN / "node_modules" / "kotlin-compiler"
KOTLINC = COMPILER / "bin" / "kotlinc"
M2 = Path.home() / ".m2" / "repository"
# What the generated client's build.gradle asks for, at the versions this machine kind ships.
LIBRARIES = (
    M2 / "com/squareup/okhttp3/okhttp/4.12.0/okhttp-4.12.0.jar",
    M2 / "com/squareup/okio/okio-jvm/3.6.0/okio-jvm-3.6.0.jar",
    M2 / "com/google/code/gson/gson/2.13.2/gson-2.13.2.jar",
)
# The Kotlin runtime comes with the compiler; reflect is Main.kt's (its check of required fields).
RUNTIME = (COMPILER / "lib" / "kotlin-stdlib.jar", COMPILER / "lib" / "kotlin-reflect.jar")
OPTIONS = (
    "--additional-properties",
    "serializationLibrary=gson,packageName=tremor.client,enumUnknownDefaultCase=true",
)
# A compiler run is one short-lived JVM: its C2 JIT never pays for itself, and on 2 cores
# it took half the CPU (kotlinc here: 40 s of CPU with it, 17 s with C1 alone, same jar).
FAST_JVM = ("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")
RATE_LIMIT = 3  # the server's assessments per X-Client-ID user and minute, in the live test


def build(out: Path) -> None:
    """Generate the whole client, then compile every source of it with the app's files."""
    generate("kotlin", out / "generated", OPTIONS, spec=APP_SPEC, parts=WHOLE_CLIENT)
    sources = sorted((out / "generated" / "src" / "main").rglob("*.kt"))
    own = sorted([*APP_SOURCES.glob("*.kt"), *TEST_SOURCES.glob("*.kt")])
    started = time.monotonic()
    result = subprocess.run(
        [
            str(KOTLINC),
            *FAST_JVM,
            "-nowarn",
            "-jvm-target",
            "17",
            "-classpath",
            ":".join(map(str, LIBRARIES)),
            "-d",
            str(out / "classes.jar"),
            *map(str, sources),
            *map(str, own),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = {"generated_files": len(sources), "compile_s": round(time.monotonic() - started, 1)}
    (out / "build.json").write_text(json.dumps(figures), encoding="utf-8")


@pytest.fixture(scope="module")
def kotlin_client() -> Path:
    """The generated client and the app's files, compiled once per spec (see the docstring)."""
    require_java()
    require_tool(KOTLINC.exists(), f"{KOTLINC} is missing: run `npm ci` in {TOOLCHAIN}")
    for jar in LIBRARIES:
        require_tool(jar.exists(), f"{jar} is missing (~/.m2 of this machine kind)")
    key = fingerprint(
        APP_SPEC.read_bytes(),
        version("openapi-generator-cli"),
        (COMPILER / "build.txt").read_bytes(),
        *OPTIONS,
        *(path.read_bytes() for path in sorted(APP_SOURCES.glob("*.kt"))),
        *(path.read_bytes() for path in sorted(TEST_SOURCES.glob("*.kt"))),
    )
    return cached("kotlin-app", key, build)


def source(client: Path, name: str) -> str:
    return next((client / "generated").rglob(f"{name}.kt")).read_text(encoding="utf-8")


def test_generation_has_no_warnings(kotlin_client: Path) -> None:
    log = (kotlin_client / "generated" / "generator.log").read_text(encoding="utf-8")
    assert not complaints(log), "\n".join(complaints(log))


def test_the_whole_client_was_compiled_and_no_admin_client_ships(kotlin_client: Path) -> None:
    apis = {path.stem for path in (kotlin_client / "generated").rglob("apis/*.kt")}
    assert apis == {"AssessmentsApi", "ContentApi", "OutcomesApi"}
    figures = json.loads((kotlin_client / "build.json").read_text(encoding="utf-8"))
    models = list((kotlin_client / "generated").rglob("models/*.kt"))
    assert figures["generated_files"] > len(models) + len(apis)  # with the infrastructure


def test_models_type_what_apps_read(kotlin_client: Path) -> None:
    evidence = source(kotlin_client, "TgEvidence")
    # Any JSON value (gson gives Double, String, Boolean, List), and a string to show.
    assert re.search(r"val `value`: kotlin\.Any\?", evidence), evidence
    assert re.search(r"val displayValue: kotlin\.String\b", evidence), evidence
    condition = source(kotlin_client, "TgCondition")
    assert re.search(r"val `value`: kotlin\.Any\?", condition), condition
    result = source(kotlin_client, "TgBatchResult")
    assert re.search(r"^data class TgBatchResult\b", result, re.M), result
    assert re.search(r"val kind: TgBatchResult\.Kind,", result), result
    assert "unknown_default_open_api" in source(kotlin_client, "TgTriageLevel")
    api = source(kotlin_client, "ContentApi")
    assert re.search(r"fun listCauses\([^)]*ifNoneMatch: kotlin\.String\? = null", api)


class _LaterServer(BaseHTTPRequestHandler):
    """Answers every POST with `answer`: an assessment from a later version of the service."""

    answer = b"{}"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def later_server(live_server: LiveServer) -> Iterator[str]:
    """A stub whose assessment carries enum values no client generated today knows."""
    answer = httpx.post(f"{live_server.url}/v1/assessments", json=CYCLING, timeout=10).json()
    later = copy.deepcopy(answer)
    later["triage"]["level"] = "call_ahead"
    for cause in later["causes"]:
        cause["confidence"] = "certain"
        for evidence in cause["evidence"]:
            evidence["effect"] = "explains"
    handler = type("Later", (_LaterServer,), {"answer": json.dumps(later).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """A server whose per-user assessment limit is small enough for a 429 to be seen."""
    return start_server(
        RATE_LIMIT_ASSESS_PER_CLIENT=f"{RATE_LIMIT}/minute",
        RATE_LIMIT_PREFIX=f"sdk-kotlin-{uuid.uuid4().hex}",  # Redis may be shared
    )


CYCLING = {
    "activity": {"type": "cycling", "duration_min": 180, "intensity_rpe": 6},
    "environment": {"temperature_c": 34, "humidity_pct": 55},
    "hydration": {"fluid_intake_ml": 300},
    "symptoms": {"timing": "during", "associated": []},
}
UNKNOWN = "unknown_default_open_api"


@pytest.mark.e2e
def test_an_app_calls_every_route_it_needs_through_the_generated_api(
    kotlin_client: Path, live_server: LiveServer, later_server: str
) -> None:
    result = subprocess.run(
        [
            "java",
            "-cp",
            ":".join(map(str, [kotlin_client / "classes.jar", *LIBRARIES, *RUNTIME])),
            "MainKt",
            live_server.url,
            later_server,
            str(RATE_LIMIT),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen: dict[str, Any] = json.loads(result.stdout)
    # Every answer decoded without losing or inventing a field.
    assert seen["problems"] == []

    def get(path: str) -> Any:
        return httpx.get(f"{live_server.url}{path}", params={"locale": "en"}, timeout=10).json()

    raw = httpx.post(
        f"{live_server.url}/v1/assessments", params={"locale": "en"}, json=CYCLING, timeout=10
    ).json()
    ranking = {
        "content_version": raw["content_version"],
        "triage": raw["triage"]["level"],
        "causes": [[c["id"], c["rank"], c["score"]] for c in raw["causes"]],
    }
    assert seen["assessment"] == {
        **ranking,
        "evidence": [
            [[e["field"], e["display_value"], kotlin_class(e["value"])] for e in c["evidence"]]
            for c in raw["causes"]
        ],
        "tips": [t["id"] for t in raw["tips"]],
    }
    assert seen["assessment"]["causes"][0][0] == "dehydration"
    assert seen["content_language"] == ["en"]
    assert seen["urgent"]["triage"] == "urgent" and "chest_pain" in seen["urgent"]["reasons"]
    assert seen["problem"] == {"http_status": 422, "status": 422, "locs": ["activity.duration_min"]}

    assert seen["batch"] == [
        {"kind": "assessment", **ranking, "tips": [t["id"] for t in raw["tips"]]},
        {"kind": "problem", "status": 422, "locs": ["activity.duration_min"]},
    ]
    assert seen["batch_content_version"] == raw["content_version"]
    assert seen["feedback"] == {"http_status": 202, "outcome": "better"}

    assert seen["causes"] == [c["id"] for c in get("/v1/causes")["causes"]]
    assert seen["tips"] == [t["id"] for t in get("/v1/tips")["tips"]]
    assert seen["faqs"] == [f["id"] for f in get("/v1/faqs")["faqs"]]
    assert seen["versions"] == [
        [v["version"], v["status"], v["is_current"], int(v["created_at"][:4])]
        for v in get("/v1/content/versions")
    ]
    bundle = get(f"/v1/content/versions/{seen['version']['version']}")["bundle"]
    assert seen["version"]["bundle_causes"] == [c["id"] for c in bundle["causes"]]
    # Condition values of every JSON type decode (a class of its own made them unreadable).
    assert {"Double", "String"} <= set(seen["version"]["condition_value_types"])

    assert seen["not_modified"] == {
        "status": 304,
        "etag_again": True,
        "cache_control": "public, max-age=60",
    }
    limited = seen["rate_limited"]
    assert limited["statuses"] == [200] * RATE_LIMIT + [429]
    assert limited["problem_status"] == 429 and limited["retry_after"] >= 1
    assert limited["limit"] is not None

    # Values added by a later server read as the fallback instead of crashing the app.
    unknown = seen["unknown_enums"]
    assert unknown["triage"] == UNKNOWN
    assert unknown["confidence"] and set(unknown["confidence"]) == {UNKNOWN}
    assert unknown["evidence_effect"] and set(unknown["evidence_effect"]) == {UNKNOWN}


def kotlin_class(value: Any) -> str | None:
    """The class gson decodes a JSON value of an untyped (kotlin.Any) property into."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "ArrayList"
    return "LinkedTreeMap"
