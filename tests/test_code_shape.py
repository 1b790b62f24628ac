"""House rules that a reviewer would otherwise count by hand (CONTRIBUTING.md)."""

from __future__ import annotations

from pathlib import Path

MAX_MODULE_LINES = 700
APP = Path(__file__).resolve().parents[1] / "app"


def test_no_module_in_app_is_over_700_lines() -> None:
    long = {
        str(path.relative_to(APP)): count
        for path in APP.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by job: {long}"
