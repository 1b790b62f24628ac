"""The public vignettes, scored by their own runner against a live server."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, LiveServer

RUNNER = ROOT.parent / "shared" / "vignettes" / "run_vignettes.py"


@pytest.mark.e2e
def test_public_vignettes_all_pass_live(live_server: LiveServer) -> None:
    if not RUNNER.exists():
        pytest.skip(f"{RUNNER} is not beside the repository")
    result = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "--base-url",
            live_server.url,
            "--min-pass",
            "1.0",
            str(RUNNER.parent / "public.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vignettes passed" in result.stdout
