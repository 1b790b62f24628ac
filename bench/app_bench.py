"""Time one assessment through the whole ASGI app, in-process: middleware, fast lane, parsing,
engine and serialisation, without the network or the server.

Usage: python bench/app_bench.py (from the tree to measure; compare two trees in turn)

Cheaper and steadier than `make bench` for finding which change moved the request path; the
throughput ratio against the floor is still `make bench`'s. Prints the best of seven rounds
over the 64 varied bench bodies, in microseconds per assessment.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path.cwd()))

from app.core.config import Settings
from app.main import create_app
from bench.contexts import varied

ROUNDS = 7
REPEAT = 30


def _scope(body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/assessments",
        "raw_path": b"/v1/assessments",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "state": {},
    }


async def main() -> None:
    bodies = [json.dumps(context).encode() for context in varied(64)]
    folder = tempfile.mkdtemp()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{folder}/bench.db",
        log_level="WARNING",
        rate_limit_assess="100000000/minute",
    )
    app = create_app(settings)

    async def call(body: bytes) -> None:
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)  # a client that waits for the answer
            return {"type": "http.disconnect"}

        statuses: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(_scope(body), receive, send)
        assert statuses == [200], statuses

    async with app.router.lifespan_context(app):
        for body in bodies * 20:  # warm up
            await call(body)
        best = float("inf")
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for body in bodies * REPEAT:
                await call(body)
            best = min(best, (time.perf_counter() - started) / (len(bodies) * REPEAT))
    print(f"{os.getcwd()}: {best * 1e6:.1f} µs per assessment through the ASGI app")


if __name__ == "__main__":
    uvloop.run(main())
