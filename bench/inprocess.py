"""Time one request through the ASGI app itself, without a server or a socket.

Usage: python bench/inprocess.py [--number N] [--profile] [--target service|floor|both]

Calls the application object the way uvicorn does (scope, receive, send) in a loop on one
event loop, so what is measured is exactly the Python work of the app: routing, middleware,
parsing, the engine, serialisation. The server's own share (HTTP parsing, the socket) is the
same for the service and the floor, which is why a microsecond saved here shows up in the
wrk ratio. `--profile` runs the service under pyinstrument and prints where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine_bench import FULL  # noqa: E402

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _scope(path: str, body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _drive(app: ASGIApp, path: str, body: bytes, number: int) -> float:
    """Microseconds per request, best of three rounds of `number` requests."""
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(number):
            await app(_scope(path, body), receive, send)
        best = min(best, (time.perf_counter() - started) / number * 1e6)
    if any(code != 200 for code in status):
        raise RuntimeError(f"{path} answered {sorted(set(status))}")
    return best


async def _with_service(work: Callable[[ASGIApp], Awaitable[None]]) -> None:
    with tempfile.TemporaryDirectory(prefix="tremor-inproc-") as tmp:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.db'}")
        os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
        from app.main import create_app

        app = create_app()
        async with app.router.lifespan_context(app):
            await work(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--target", choices=["service", "floor", "both"], default="both")
    args = parser.parse_args()
    body = json.dumps(FULL).encode()

    async def run() -> None:
        if args.target in ("floor", "both"):
            from bench.floor_app import app as floor

            floor_us = await _drive(floor, "/floor", body, args.number)
            print(f"floor:   {floor_us:7.1f} us/request")

        async def service(app: ASGIApp) -> None:
            await _drive(app, "/v1/assessments", body, 500)  # warm-up
            if args.profile:
                from pyinstrument import Profiler

                with Profiler(interval=0.0001, async_mode="disabled") as profiler:
                    await _drive(app, "/v1/assessments", body, args.number)
                print(profiler.output_text(unicode=False, color=False, show_all=False))
                return
            service_us = await _drive(app, "/v1/assessments", body, args.number)
            print(f"service: {service_us:7.1f} us/request")
            batch = json.dumps({"items": [FULL] * 100}).encode()
            rounds = max(args.number // 100, 20)
            batch_us = await _drive(app, "/v1/assessments:batch", batch, rounds)
            print(f"batch of 100: {batch_us:7.1f} us/request ({batch_us / service_us:.1f}x one)")

        if args.target in ("service", "both"):
            await _with_service(service)

    import uvloop

    # The service writes its access log line per request, as it does under the benchmark;
    # the lines go nowhere so that the terminal shows only the figures.
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        uvloop.run(run())
    finally:
        os.dup2(saved_stderr, 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
