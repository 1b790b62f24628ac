"""`make help`, the first thing a newcomer runs, reads as plain text."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_shows_the_address_not_make_variables(repo_root: Path) -> None:
    env = {**os.environ, "HOST": "0.0.0.0", "PORT": "8123"}
    result = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "$(" not in result.stdout, result.stdout
    assert "serve on 0.0.0.0:8123" in result.stdout, result.stdout
