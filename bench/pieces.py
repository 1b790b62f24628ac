"""Each speed-only piece of the request path against the plain version it replaces.

Usage: python bench/pieces.py [--number N]

Prints microseconds per request for both, and the saving as a share of one request's
whole cost in `make bench` (1e6 / the service's req/s there, passed as --request-us). A
piece stays only if that share is at least 2 % (docs/performance.md, "Pieces").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import logging
import os
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.logging import AccessLog, JsonFormatter  # noqa: E402


def _best_us(work: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(work, number=number, repeat=7)) / number * 1e6


def access_log(number: int) -> tuple[float, float]:
    """The orjson line writer against the logging module with the JSON formatter."""
    fast = AccessLog("INFO")
    fast.flush = lambda: None  # type: ignore[method-assign]
    args = ("0123456789abcdef", "POST", "/v1/assessments", "/v1/assessments", 200, 0.1234)

    def ours() -> None:
        fast.write(*args)
        fast._pending.clear()

    logger = logging.getLogger("bench.access")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    fields = dict(
        zip(("request_id", "method", "path", "route", "status", "duration_ms"), args, strict=True)
    )

    def plain() -> None:
        logger.info("request", extra=fields)
        handler.stream.seek(0)
        handler.stream.truncate()

    return _best_us(ours, number), _best_us(plain, number)


def metrics(number: int) -> tuple[float, float]:
    """The request and assessment series in plain lists (exported by custom collectors)
    against prometheus_client's Counter, Histogram and Counter."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    from app.core.metrics import LATENCY_BUCKETS, AssessmentCounts, RequestMetrics

    requests, assessments = RequestMetrics(), AssessmentCounts()
    registry = CollectorRegistry()
    counter = Counter("c", "c", ["route", "method", "status"], registry=registry)
    histogram = Histogram("h", "h", ["route", "method"], buckets=LATENCY_BUCKETS, registry=registry)
    triage = Counter("a", "a", ["triage", "top_cause"], registry=registry)

    def ours() -> None:
        requests.observe("/v1/assessments", "POST", 200, 0.0004)
        assessments.count("self_care", "dehydration")

    def plain() -> None:
        counter.labels("/v1/assessments", "POST", "200").inc()
        histogram.labels("/v1/assessments", "POST").observe(0.0004)
        triage.labels("self_care", "dehydration").inc()

    return _best_us(ours, number), _best_us(plain, number)


def body_timeout(number: int) -> tuple[float, float]:
    """The shared watchdog against `asyncio.timeout_at` around the body read."""
    from app.core.middleware import _Watchdog

    async def read() -> dict[str, object]:
        return {"type": "http.request", "body": b"{}"}

    async def run() -> tuple[float, float]:
        watchdog = _Watchdog(30.0)
        loop = asyncio.get_running_loop()

        async def ours() -> None:
            task = asyncio.current_task()
            assert task is not None
            watchdog.wait(task, time.perf_counter() + 30)
            try:
                await read()
            finally:
                watchdog.waiting.pop(task, None)

        async def plain() -> None:
            async with asyncio.timeout_at(loop.time() + 30):
                await read()

        async def timed(step: Callable[[], object]) -> float:
            best = float("inf")
            for _ in range(7):
                started = time.perf_counter()
                for _ in range(number):
                    await step()  # type: ignore[misc]
                best = min(best, (time.perf_counter() - started) / number * 1e6)
            return best

        return await timed(ours), await timed(plain)

    import uvloop

    return uvloop.run(run())


def gc_tuning(number: int) -> tuple[float, float]:
    """A batch of 100 full contexts in process with the lifespan's GC settings and without."""
    import json
    import tempfile

    from bench.engine_bench import FULL
    from bench.inprocess import _drive

    body = json.dumps({"items": [FULL] * 100}).encode()
    rounds = max(number // 2000, 20)
    results: dict[bool, float] = {}

    async def run() -> None:
        from app.main import create_app

        app = create_app()
        async with app.router.lifespan_context(app):  # applies the tuning
            tuned = gc.get_threshold()
            await _drive(app, "/v1/assessments:batch", body, 5)
            for attempt in range(2):
                for tuning in (True, False):
                    if tuning:
                        gc.set_threshold(*tuned)
                    else:
                        gc.set_threshold(700, 10, 10)
                    us = await _drive(app, "/v1/assessments:batch", body, rounds)
                    results[tuning] = min(results.get(tuning, float("inf")), us)
                del attempt

    import uvloop

    with tempfile.TemporaryDirectory(prefix="tremor-pieces-") as tmp:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.db'}")
        os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        uvloop.run(run())
    return results[True] / 100, results[False] / 100


def rate_limiter(number: int) -> tuple[float, float]:
    """The in-memory limiter on the hot path (one hit plus the three response headers)
    against no limiter at all: its whole cost per request."""
    import asyncio

    from app.core import ratelimit
    from app.core.ratelimit import Bucket, MemoryLimiter, parse_quota

    limiter = MemoryLimiter({bucket: parse_quota("1000000000/minute") for bucket in Bucket})
    scope: dict[str, object] = {"client": ("198.51.100.7", 1234)}
    identity = ratelimit.client_identity(scope)

    async def run(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            await ratelimit.enforce(limiter, scope, Bucket.assess, identity)
            ratelimit.rate_limit_headers(scope[ratelimit.SCOPE_KEY])
        return (time.perf_counter() - started) / count * 1e6

    ours = min(asyncio.run(run(number)) for _ in range(3))
    return ours, 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--number", type=int, default=100_000)
    parser.add_argument(
        "--request-us",
        type=float,
        default=200.0,
        help="one request's cost in make bench: 1e6 / the service's req/s there",
    )
    args = parser.parse_args()
    pieces = {
        "access log: orjson writer vs logging module": access_log,
        "metrics: plain lists + collectors vs prometheus_client": metrics,
        "body timeout: shared watchdog vs asyncio.timeout_at": body_timeout,
        "GC tuning (per assessment, in a batch of 100)": gc_tuning,
        "rate limiter (in memory) vs none: its cost, not a saving": rate_limiter,
    }
    print(f"{'piece':58} {'ours µs':>8} {'plain µs':>9} {'saved':>7} {'share':>7}")
    for name, measure in pieces.items():
        ours, plain = measure(args.number)
        saved = plain - ours
        print(f"{name:58} {ours:8.2f} {plain:9.2f} {saved:7.2f} {saved / args.request_us:7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
