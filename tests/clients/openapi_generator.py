"""openapi-generator (the jar from the PyPI package `openapi-generator-cli`) for the SDK tests.

Generation and compilation take tens of seconds, so their output is kept under the system's
temporary folder, in a folder named by the hash of everything that decides it (the spec, the
generator's version and options, the test's own sources): a second `make test` with the same
spec reuses it, and any change to one of them builds afresh.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.clients.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "openapi.json"
# What an app generates its SDK from: the app's operations only, no admin client.
APP_SPEC = ROOT / "openapi" / "app.json"
CLI = Path(sys.executable).parent / "openapi-generator-cli"
CACHE = Path(tempfile.gettempdir()) / "tremor-guide-sdk"

# Warnings that say nothing about the spec: the generator's own notices.
NOTICES = (
    "OpenAPI 3.1 support is still in beta",
    "is considered deprecated",  # swift5: "use swift6 instead"
    "This generator has been deprecated",
    # Logged once per run by ModelUtils for any 3.1 document with an `additionalProperties`
    # (even `false` on a one-schema document): the generator's, not a fault of the spec.
    "Failed to get the schema name: null",
    # swift6, for the `locale` parameter of the API functions: it renames nothing (no
    # `ModelLocale` appears in the sources, as test_swift_sdk checks).
    "Locale (reserved word) cannot be used as model name",
)


def require_java() -> None:
    require_tool(CLI.exists(), f"{CLI} is missing (uv sync installs openapi-generator-cli)")
    require_tool(shutil.which("java") is not None, "java is not installed (default-jdk-headless)")


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached(name: str, key: str, build: Callable[[Path], None]) -> Path:
    """The folder `build` fills, built once per key (atomically, so parallel runs may race)."""
    final = CACHE / f"{name}-{key}"
    if (final / ".complete").exists():
        return final
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=CACHE))
    try:
        build(work)
        (work / ".complete").touch()
        try:
            os.rename(work, final)
        except OSError:  # another run finished first (or a broken leftover is in the way)
            if not (final / ".complete").exists():
                shutil.rmtree(final, ignore_errors=True)
                os.rename(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def generator_version() -> str:
    result = subprocess.run(
        [str(CLI), "version"], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


MODELS_ONLY = "models,modelDocs=false,modelTests=false"
WHOLE_CLIENT = "apiDocs=false,modelDocs=false,apiTests=false,modelTests=false"


def generate(
    generator: str,
    out: Path,
    options: Sequence[str],
    *,
    spec: Path = SPEC,
    parts: str = MODELS_ONLY,
) -> str:
    """Run the generator on a committed spec (`parts`: what to write); returns its log."""
    result = subprocess.run(
        [
            str(CLI),
            "generate",
            "--generator-name",
            generator,
            "--input-spec",
            str(spec),
            "--output",
            str(out),
            "--global-property",
            parts,
            *options,
        ],
        # One short run of the JVM: C1 alone does it in about half the CPU (the wrapper
        # passes JAVA_OPTS to java as one argument).
        env={**os.environ, "JAVA_OPTS": os.environ.get("JAVA_OPTS") or "-XX:TieredStopAtLevel=1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = result.stdout + result.stderr
    (out / "generator.log").write_text(log, encoding="utf-8")
    assert result.returncode == 0, log
    return log


def complaints(log: str) -> list[str]:
    """The generator's warnings and errors about the spec (its own notices left out)."""
    return [
        line
        for line in log.splitlines()
        if re.search(r"\b(WARN|ERROR)\b", line) and not any(n in line for n in NOTICES)
    ]
