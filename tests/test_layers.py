"""The layer rules of docs/architecture.md hold, and the checker does catch a violation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.check_layers import violations

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_of_app_runs_one_way() -> None:
    run = subprocess.run(
        [sys.executable, "scripts/check_layers.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout


def test_core_importing_a_domain_is_caught() -> None:
    source = "def f() -> None:\n    from app.content.cache import ContentCache\n"
    assert violations(source, Path("app/core/x.py")) == [
        "app/core/x.py:2: app.core may not import app.content"
    ]


def test_rules_importing_content_is_caught_even_under_type_checking() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.content.models\n"
    assert violations(source, Path("app/rules/x.py")) == [
        "app/rules/x.py:3: app.rules may not import app.content"
    ]


def test_a_second_evaluator_is_caught() -> None:
    source = "exec(compile('x = 1', 'f', 'exec'), {})\n"
    found = violations(source, Path("app/content/x.py"))
    assert len(found) == 2 and all("outside app/rules/codegen.py" in line for line in found)
    assert violations(source, Path("app/rules/codegen.py")) == []


def test_allowed_imports_pass() -> None:
    source = "from app.rules.bundle import Bundle\nfrom app.core.errors import NotFound\n"
    assert violations(source, Path("app/content/x.py")) == []
