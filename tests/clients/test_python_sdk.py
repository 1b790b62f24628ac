"""A Python client generated from the committed spec works, unmodified, against a live server.

openapi-python-client generates `tremor_client` into a temporary folder (never committed);
the generation must be free of warnings, mypy --strict must accept the generated package
together with `sdk_example.py`, and the example must get the same answers as raw HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.tools import require_tool
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "app.json"  # what an app generates its SDK from
EXAMPLE = Path(__file__).with_name("sdk_example.py")
BIN = Path(sys.executable).parent
GENERATOR = BIN / "openapi-python-client"
# Lines of generator output that mean part of the spec was skipped or mistyped.
COMPLAINTS = ("warning", "unable", "could not", "cannot", "skipping", "error")

MYPY_CONFIG = """\
[mypy]
strict = True
mypy_path = {sdk}
cache_dir = {sdk}/.mypy_cache

# The generator's client template passes `*args: object` on to httpx's __exit__, which
# mypy 2 rejects as arg-type; that is the template's, not something the spec decides.
[mypy-tremor_client.client]
disable_error_code = arg-type
"""


@pytest.fixture(scope="module")
def sdk_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the client once for the module; its folder goes on PYTHONPATH."""
    require_tool(GENERATOR.exists(), f"{GENERATOR} is missing (uv sync installs it)")
    out = tmp_path_factory.mktemp("python-sdk")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(SPEC),
            "--meta",
            "none",
            "--output-path",
            str(out / "tremor_client"),
        ],
        cwd=out,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    complaints = [
        line for line in output.splitlines() if any(w in line.lower() for w in COMPLAINTS)
    ]
    assert not complaints, output
    return out


def test_generated_client_type_checks_with_the_example(sdk_dir: Path) -> None:
    config = sdk_dir / "mypy.ini"
    config.write_text(MYPY_CONFIG.format(sdk=sdk_dir), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), str(EXAMPLE)],
        cwd=sdk_dir,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.e2e
def test_generated_client_runs_an_assessment_reads_causes_and_lists_versions(
    sdk_dir: Path, live_server: LiveServer
) -> None:
    admin = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
    draft = httpx.post(f"{live_server.url}/v1/admin/content/versions", headers=admin, json={})
    assert draft.status_code == 201, draft.text  # so the list holds a draft and a published one

    result = subprocess.run(
        [sys.executable, str(EXAMPLE), live_server.url, E2E_ADMIN_KEY],
        env={**os.environ, "PYTHONPATH": str(sdk_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen: dict[str, Any] = json.loads(result.stdout)

    # The same body over raw HTTP gives the same answer (same content version).
    raw = httpx.post(
        f"{live_server.url}/v1/assessments",
        params={"limit": 3, "locale": "en"},
        json=seen["sent"],
        timeout=10,
    ).json()
    assert seen["assessment"] == {
        "content_version": raw["content_version"],
        "triage": raw["triage"]["level"],
        "causes": [[c["id"], c["rank"], c["score"]] for c in raw["causes"]],
        "evidence_fields": [[e["field"] for e in c["evidence"]] for c in raw["causes"]],
        "tips": [t["id"] for t in raw["tips"]],
        "follow_ups": [q["field"] for q in raw["follow_up_questions"]],
    }
    assert len(seen["assessment"]["causes"]) == 3
    assert "chest_pain" in seen["urgent_reasons"]
    assert seen["problem"] == {"status": 422, "locs": ["activity.duration_min"]}

    causes = httpx.get(f"{live_server.url}/v1/causes", params={"locale": "en"}).json()
    assert seen["causes"] == {
        "content_version": causes["content_version"],
        "ids": [c["id"] for c in causes["causes"]],
    }
    assert "dehydration" in seen["causes"]["ids"]

    versions = {v["version"]: v for v in seen["versions"]}
    assert versions[1] == {
        "version": 1,
        "status": "published",
        "is_current": True,
        "published": True,
    }
    assert versions[2]["status"] == "draft" and not versions[2]["is_current"]
