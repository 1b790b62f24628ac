"""`tremor-guide rules source N` prints the module a version's rules become."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from app.cli import main
from app.core.config import Settings, get_settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_the_source_of_a_version_is_printed_as_python(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "source", "1"]) == 0
    source = capsys.readouterr().out
    functions = [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    # the evaluator and the scorer of counterfactuals: answers are written from data
    assert functions == ["evaluate_context", "score_inputs"]


def test_an_unknown_version_is_an_error(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "source", "99"]) == 1
    assert "99" in capsys.readouterr().err
