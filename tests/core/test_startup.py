"""Start-up work: the first start migrates and loads the default content, later ones only check.

Each start runs in a fresh interpreter, as a server process would, so the test can see
which modules it had to import: a restart must not pay for Alembic or for YAML parsing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.databases import scratch_database

ROOT = Path(__file__).resolve().parents[2]

START = """
import json, sys
from sqlmodel import Session
from app.content import repository
from app.core.config import Settings
from app.lifespan import build_services, prepare_database

services = build_services(Settings(_env_file=None, database_url=sys.argv[1]))
prepare_database(services)
with Session(services.engine) as session:
    versions = repository.count_versions(session)
services.engine.dispose()
print(json.dumps({"versions": versions, "imported": sorted(
    name for name in ("alembic", "yaml") if name in sys.modules)}))
"""


def start(url: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", START, url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    result: dict[str, object] = json.loads(out.splitlines()[-1])
    return result


def test_first_start_migrates_and_loads_later_starts_only_check(
    database_url: str, tmp_path: Path
) -> None:
    with scratch_database(database_url, "startup", tmp_path) as url:
        assert start(url) == {"versions": 1, "imported": ["alembic", "yaml"]}
        assert start(url) == {"versions": 1, "imported": []}
