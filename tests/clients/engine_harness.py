"""The TypeScript engine package (clients/engine) built once per test session and run over
many inputs in one node process, for the conformance tests that hold it to the server."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.clients.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "clients" / "engine"
DIST_INDEX = PACKAGE / "dist" / "index.js"
RUNNER = Path(__file__).with_name("engine_context_runner.mjs")
_lock = threading.Lock()
_built: list[Path] = []


def _newest_source() -> float:
    sources = [PACKAGE / "package.json", PACKAGE / "package-lock.json", PACKAGE / "tsconfig.json"]
    sources += list((PACKAGE / "src").rglob("*.ts"))
    return max(path.stat().st_mtime for path in sources)


def _run(*command: str) -> None:
    done = subprocess.run(
        command, cwd=PACKAGE, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def built_package() -> Path:
    """The package's dist/index.js, built now if it is missing or older than its sources
    (`npm ci` when node_modules is missing, then `npm run build`); skips without node, but
    fails under CI (`CI` set), where these tests must run."""
    require_tool(
        shutil.which("node") is not None and shutil.which("npm") is not None,
        "node and npm are needed for the TypeScript engine",
    )
    with _lock:
        if _built:
            return _built[0]
        # One build at a time across the suite's worker processes (pytest-xdist).
        with (PACKAGE / ".build-lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (PACKAGE / "node_modules" / ".bin" / "tsc").exists():
                _run("npm", "ci", "--no-audit", "--no-fund")
            if not DIST_INDEX.exists() or DIST_INDEX.stat().st_mtime < _newest_source():
                _run("npm", "run", "build")
        _built.append(DIST_INDEX)
        return DIST_INDEX


def node_filter(arguments: list[str], lines: list[str]) -> list[str]:
    """Run `node ARGUMENTS` once as a filter: the lines in on standard input, the non-empty
    lines of its output back (a failure shows node's error output)."""
    done = subprocess.run(
        ["node", *arguments],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
        env={**os.environ, "NODE_OPTIONS": ""},
    )
    if done.returncode != 0:
        raise RuntimeError(f"node failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return [line for line in done.stdout.split("\n") if line]


def read_contexts(config: dict[str, Any], inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each input ({"raw", "strict", "locale"}) read by the package's `readContext`, in one
    node process; `config` holds the vocabulary plan and the synonyms by locale."""
    index = built_package()
    lines = [json.dumps(config, ensure_ascii=False)]
    lines += [json.dumps(item, allow_nan=False) for item in inputs]
    outputs = [json.loads(line) for line in node_filter([str(RUNNER), str(index)], lines)]
    assert len(outputs) == len(inputs), (len(outputs), len(inputs))
    return outputs
