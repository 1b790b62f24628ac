"""Count the instructions one assessment costs through the ASGI app, under callgrind.

Usage: python bench/instructions.py [--requests N] [--drive N]

Instruction counts do not move with the machine's load the way timings do (other agents, CI,
a noisy neighbour), so two trees can be compared one after the other. The app is driven
in-process over the 64 varied bench bodies; a run with no requests is subtracted, which
leaves the cost of the requests alone (start-up, imports and the content load cancel out).
Needs valgrind (Debian's package); takes about a minute and a half.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path.cwd()  # the tree to measure: run from its root


def _count(requests: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--drive",
                str(requests),
            ],
            env={**os.environ, "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no total:\n{run.stderr[-2000:]}")
    return int(found.group(1))


async def _drive(requests: int) -> None:
    sys.path.insert(0, str(ROOT))
    import uvloop  # noqa: F401  (the servers' loop; imported here as the service does)

    from app.core.config import Settings
    from app.main import create_app
    from bench.app_bench import _scope
    from bench.contexts import varied

    bodies = [json.dumps(context).encode() for context in varied(64)]
    folder = tempfile.mkdtemp()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{folder}/bench.db",
        log_level="WARNING",
        rate_limit_enabled=False,  # as in `make bench`
    )
    app = create_app(settings)

    async def call(body: bytes) -> None:
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        statuses: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(_scope(body), receive, send)
        assert statuses == [200], statuses

    async with app.router.lifespan_context(app):
        for body in bodies * 2:  # warm: every body's paths taken once before counting
            await call(body)
        for n in range(requests):
            await call(bodies[n % len(bodies)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)  # the child under valgrind
    args = parser.parse_args()
    if args.drive is not None:
        import uvloop

        uvloop.run(_drive(args.drive))
        return
    empty, full = _count(0), _count(args.requests)
    per_request = (full - empty) / args.requests
    print(f"{ROOT}: {per_request:,.0f} instructions per assessment through the ASGI app")


if __name__ == "__main__":
    main()
