"""`make fuzz`: schemathesis' own runner against a real `tremor-guide serve` process.

Unlike the in-process profile of `test_schemathesis.py`, requests go over HTTP to uvicorn, so
the server's own answers (redirects, malformed requests) are checked too, every built-in
check runs (negative data must be rejected, valid data accepted, auth enforced as declared,
`Allow` on 405s, use after delete, ...) and all four phases run: examples, coverage,
fuzzing and the stateful one, which chains operations through the links it infers.
`schemathesis.toml` beside this file says which answers are right where the defaults differ.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import scratch_database
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer
from tests.reliability.conftest import report

pytestmark = pytest.mark.fuzz

HERE = Path(__file__).resolve().parent
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
AUTH = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}


@pytest.fixture
def live_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """One live server on a database of its own, with two drafts besides version 1."""
    with scratch_database(database_url, "fuzz", tmp_path) as url:
        server = LiveServer(
            database_url=url,
            env_extra={"RATE_LIMIT_ENABLED": "false"},
            log_path=tmp_path / "server.log",
        )
        server.start(timeout=30)
        try:
            for notes in ("fuzz draft a", "fuzz draft b"):
                answer = httpx.post(
                    f"{server.url}/v1/admin/content/versions", json={"notes": notes}, headers=AUTH
                )
                assert answer.status_code == 201, answer.text
            yield server.url
        finally:
            server.stop()


def test_every_check_in_every_phase_passes(live_url: str, tmp_path: Path) -> None:
    results = tmp_path / "schemathesis.json"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{live_url}/openapi.json",
        # Every check is on by default; `--checks all` would also override the two that
        # schemathesis.toml turns off per operation.
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--report",
        "json",
        "--report-json-path",
        str(results),
    ]
    env = {**os.environ, "TG_FUZZ_KEY": E2E_ADMIN_KEY, "NO_COLOR": "1"}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    summary = json.loads(results.read_text(encoding="utf-8"))
    cases = summary["test_cases"]
    report(
        "schemathesis_live",
        cases=cases["generated"],
        failures=cases["unique_failures"],
        operations=summary["operations"]["tested"],
        seconds=round(summary["running_time"], 1),
    )
    print(f"schemathesis: {cases['generated']} cases, {cases['unique_failures']} failures")
    # From the failures on: a long case (a whole bundle) must not push the answer out.
    failures = max(finished.stdout.find("FAILURES"), 0)
    assert finished.returncode == 0, finished.stdout[failures : failures + 20_000]
    assert summary["operations"]["tested"] == summary["operations"]["total"]
    assert cases["unique_failures"] == 0
