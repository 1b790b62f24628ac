"""`tremor-guide serve` and `migrate`, and the app's start-up, on a database that cannot be
opened or written: one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core import migrate
from app.core.config import Settings
from app.lifespan import StartupError
from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]


def unusable_urls(tmp_path: Path) -> dict[str, str]:
    """A folder that cannot be created (a file is in the way: the tests run as root, for
    whom permission bits mean nothing) and a database opened read-only (SQLite's view of a
    read-only file system)."""
    (tmp_path / "a-file").write_text("")
    read_only = tmp_path / "ro.db"
    migrate.upgrade(f"sqlite:///{read_only}")
    return {
        "folder": f"sqlite:///{tmp_path / 'a-file' / 'sub' / 'x.db'}",
        "read_only": f"sqlite:///file:{read_only}?mode=ro&uri=true",
    }


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", ["folder", "read_only"])
@pytest.mark.parametrize("command", [["migrate"], ["serve", "--workers", "1", "--port", "0"]])
def test_an_unusable_database_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, case: str, command: list[str]
) -> None:
    url = unusable_urls(tmp_path)[case]
    if case == "read_only" and command == ["migrate"]:
        url = url.replace("ro.db", "ro-empty.db")  # a migrated one has nothing to write
        (tmp_path / "ro-empty.db").write_bytes(b"")
    finished = run_cli(url, *command)
    assert finished.returncode == 3, finished.stderr
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith("error: cannot prepare the database sqlite:"), lines
    assert "Traceback" not in finished.stderr + finished.stdout


def test_the_app_start_up_raises_one_clear_error(tmp_path: Path) -> None:
    url = unusable_urls(tmp_path)["folder"]
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    with (
        pytest.raises(StartupError, match="cannot prepare the database"),
        TestClient(create_app(settings)),
    ):
        pass
