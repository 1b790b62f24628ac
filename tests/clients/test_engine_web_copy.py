"""The try-it page's copy of the evaluator (app/web/static/engine/, committed so that the
service runs without node) is the package's build: `make web-engine` makes it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.clients.engine_harness import PACKAGE, ROOT, built_package

WEB_COPY = ROOT / "app" / "web" / "static" / "engine"


def _modules(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*.js")}


def test_the_page_serves_a_fresh_build_of_the_package(tmp_path: Path) -> None:
    built_package()  # npm ci when needed; then a build of its own, never a stale dist/
    out = tmp_path / "dist"
    done = subprocess.run(
        [str(PACKAGE / "node_modules" / ".bin" / "tsc"), "-p", ".", "--outDir", str(out)],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    fresh, committed = _modules(out), _modules(WEB_COPY)
    assert fresh, "the build made no modules"
    stale = sorted(
        name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name)
    )
    assert not stale, f"app/web/static/engine differs from the build: {stale}; make web-engine"
