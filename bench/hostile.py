"""Another client's latency while one address sends 1 MiB hostile bodies (issue 27, defect 7).

Usage: python bench/hostile.py [--seconds S] [--workers N] [--connections C]

Starts `tremor-guide serve` as deployed (a worker per core unless --workers says otherwise,
on a fresh SQLite file, behind a trusted proxy so each client has its own address), then
measures, first alone and then while an attacker process sends bodies of 1 MiB of unknown
fields back to back over C connections (2 by default) from one address:

- another client's assessment latency (one request at a time, a full workout context);
- /readyz latency (what the k8s probe sees; its timeout is 2 s).

Twice: with the default rate limits (the attacker soon gets 429s, each still a 1 MiB upload)
and with rate limits off (every hostile body is parsed: the worst case). Prints p50, p95 and
max per phase, and the attacker's request count. The target is another client's p50 under
100 ms. Absolute figures move with the machine; compare the phases of one run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.contexts import varied  # noqa: E402
from bench.run import free_port  # noqa: E402

ATTACKER = "203.0.113.7"  # documentation addresses, passed as X-Forwarded-For
VICTIM = "198.51.100.9"


def hostile_body(size: int = 1_048_576 - 8192) -> bytes:
    """A valid workout plus unknown fields up to `size` bytes (under MAX_BODY_BYTES)."""
    body: dict[str, Any] = {"activity": {"type": "running", "duration_min": 30}}
    count = 0
    while len(orjson.dumps(body)) < size:
        body.update({f"f{count + i}": i for i in range(1000)})
        count += 1000
    return orjson.dumps(body)


def attack(url: str, connections: int, seconds: float, sent: Any) -> None:
    """Run in its own process: `connections` threads, each posting 1 MiB bodies back to back."""
    body = hostile_body()
    stop = time.monotonic() + seconds

    def one_connection() -> None:
        headers = {"content-type": "application/json", "x-forwarded-for": ATTACKER}
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop:
                try:
                    client.post("/v1/assessments", content=body, headers=headers)
                except httpx.HTTPError:
                    continue
                with sent.get_lock():
                    sent.value += 1

    threads = [threading.Thread(target=one_connection) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def sample(url: str, seconds: float) -> tuple[list[float], list[float]]:
    """Latencies (ms) of another client's assessments and of /readyz, each one at a time."""
    bodies = [orjson.dumps(context) for context in varied(16)]
    assess: list[float] = []
    ready: list[float] = []
    stop = time.monotonic() + seconds

    def assessments() -> None:
        headers = {"content-type": "application/json", "x-forwarded-for": VICTIM}
        with httpx.Client(base_url=url, timeout=30) as client:
            index = 0
            while time.monotonic() < stop:
                started = time.perf_counter()
                answer = client.post("/v1/assessments", content=bodies[index % 16], headers=headers)
                assess.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
                index += 1
                time.sleep(0.02)  # a client, not a load generator

    def readiness() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                client.get("/readyz")
                ready.append((time.perf_counter() - started) * 1000)
                time.sleep(0.1)

    threads = [threading.Thread(target=assessments), threading.Thread(target=readiness)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return assess, ready


def figures(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"p50 {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {ordered[-1]:7.1f} ms  (n={len(ordered)})"
    )


def serve(folder: Path, port: int, workers: int | None, limits: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / ('limits.db' if limits else 'open.db')}",
        "LOG_LEVEL": "WARNING",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "RATE_LIMIT_ENABLED": "true" if limits else "false",
        "WEBHOOK_WORKER_ENABLED": "false",
    }
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not become ready")


def measure(url: str, seconds: float, connections: int) -> None:
    assess, ready = sample(url, seconds)
    print(f"  alone      assess {figures(assess)}")
    print(f"             readyz {figures(ready)}")
    sent = multiprocessing.Value("i", 0)
    attacker = multiprocessing.Process(target=attack, args=(url, connections, seconds + 1, sent))
    attacker.start()
    time.sleep(1.0)  # the attack under way
    assess, ready = sample(url, seconds)
    attacker.join()
    print(f"  attacked   assess {figures(assess)}")
    print(f"             readyz {figures(ready)}")
    print(f"             {sent.value} hostile bodies of 1 MiB sent over {connections} connections")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=None, help="default: serve's own")
    parser.add_argument("--connections", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for limits in (True, False):
            port = free_port()
            server = serve(Path(folder), port, args.workers, limits)
            try:
                print(f"hostile bodies, rate limits {'default' if limits else 'off'}:")
                measure(f"http://127.0.0.1:{port}", args.seconds, args.connections)
            finally:
                server.terminate()
                server.wait(30)


if __name__ == "__main__":
    main()
