"""Measure the service against the framework's floor, on loopback, one worker each.

Usage: python bench/run.py [--seconds S] [--rounds N] [--connections C] [--quick]

Starts `tremor-guide serve` (on a fresh SQLite file) and `bench/floor_app.py` with the same
uvicorn settings, warms both, then drives them alternately (A B A B ..., six pairs of 4 s by
default) with wrk when it is installed (Debian's `wrk`), else with a bounded Python load
generator. Both get the same 64 varied full workout contexts in turn (bench/contexts.py),
and each batch holds 100 distinct ones: no answer can come from a cache of the request.
Prints throughput, p50/p99 latency and the ratio service/floor (total requests over total
requests in the same time, with each pair's own ratio beside it), then the batch, memory and
cold-start figures, and the 10x ruleset against the default one, again alternately. Only
ratios measured in one run mean anything: absolute numbers move with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.contexts import varied  # noqa: E402
from bench.engine_bench import scaled  # noqa: E402

VARIANTS = 64  # distinct workout bodies each load run rotates through
CLONE_PRIOR_DROP = 8.0  # the copies' priors lowered this much: they rank below the originals

UVICORN_FLAGS = ["--loop", "uvloop", "--http", "httptools", "--no-server-header", "--workers", "1"]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> float:
    """Seconds until `url` answers 200 (the cold-start figure)."""
    import urllib.request

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_pid(process: subprocess.Popen[bytes]) -> int:
    """The worker's pid: uvicorn with --workers 1 serves in the started process itself."""
    return process.pid


# --- load generators -------------------------------------------------------------------------


def run_wrk(url: str, bodies: list[bytes], seconds: float, connections: int) -> Result:
    """wrk, each connection sending the bodies in turn (a different workout every request)."""
    listed = ",\n".join(json.dumps(body.decode()) for body in bodies)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            f"local bodies = {{\n{listed}\n}}\n"
            "local headers = {['Content-Type'] = 'application/json'}\n"
            "local n = 0\n"
            "request = function()\n"
            "  n = n + 1\n"
            "  return wrk.format('POST', nil, headers, bodies[(n % #bodies) + 1])\n"
            "end\n"
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(out)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(out: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Result(rps, p50, p99, int(non.group(1)) if non else 0, total)


async def _python_load(url: str, bodies: list[bytes], seconds: float, connections: int) -> Result:
    """A bounded keep-alive HTTP/1.1 generator for machines without wrk (slower, so the
    figures it gives are lower bounds on both sides; the ratio still compares like with like)."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, _, path = port_path.partition("/")
    requests = [
        (
            f"POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    latencies: list[float] = []
    non_2xx = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal non_2xx
        reader, writer = await asyncio.open_connection(host, int(port))
        sent = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(requests[sent % len(requests)])
            sent += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            non_2xx += not 200 <= status < 400
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - began
    latencies.sort()
    return Result(
        rps=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
        non_2xx=non_2xx,
        requests=len(latencies),
    )


def drive(url: str, bodies: list[bytes], seconds: float, connections: int) -> Result:
    if shutil.which("wrk"):
        return run_wrk(url, bodies, seconds, connections)
    return asyncio.run(_python_load(url, bodies, seconds, connections))


# --- servers ----------------------------------------------------------------------------------


def start_service(
    workdir: Path, env_extra: dict[str, str] | None = None, database: str = "bench.db"
) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / database}",
        "RATE_LIMIT_ENABLED": "false",
        **(env_extra or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "service.log", "ab"),  # noqa: SIM115
    )
    cold = wait_ready(f"http://127.0.0.1:{port}/readyz", process)
    return process, f"http://127.0.0.1:{port}", cold


def start_floor(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.floor_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            *UVICORN_FLAGS,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "floor.log", "ab"),  # noqa: SIM115
    )
    wait_ready(f"http://127.0.0.1:{port}/openapi.json", process)
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def import_scaled_bundle(workdir: Path, copies: int, database: str, prior_drop: float = 0.0) -> int:
    """Publish a ruleset `copies` times larger as the current version of `database` (see
    `scaled` for `prior_drop`); returns its number of causes."""
    from app.content.files import load_bundle, write_bundle

    path = workdir / f"{database}.json"
    bundle = scaled(load_bundle(), copies, prior_drop)
    write_bundle(bundle, path)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / database}"}
    draft = subprocess.run(
        [sys.executable, "-m", "app", "content", "import", str(path), "--notes", "bench x10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    version = re.search(r"draft version (\d+)", draft).group(1)  # type: ignore[union-attr]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "content",
            "publish",
            version,
            "--force",
            "--reason",
            "benchmark of a larger ruleset",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return len(bundle.causes)


# --- the run --------------------------------------------------------------------------------


def fmt(result: Result) -> str:
    return (
        f"{result.rps:9.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
        f"  ({result.requests} requests, {result.non_2xx} non-2xx)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each measured run")
    parser.add_argument(
        "--rounds", type=int, default=6, help="service/floor pairs, run alternately (A B A B ...)"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="2-second runs, for a smoke test")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else args.seconds
    conns = args.connections
    contexts = varied(VARIANTS)
    bodies = [json.dumps(context).encode() for context in contexts]
    batch_bodies = [json.dumps({"items": varied(100, seed=seed)}).encode() for seed in range(4)]
    print(
        f"load generator: {'wrk' if shutil.which('wrk') else 'python (wrk not installed)'}; "
        f"{conns} connections, {seconds:.0f} s per run, one uvicorn worker per server, "
        f"{os.cpu_count()} cores"
    )

    with tempfile.TemporaryDirectory(prefix="tremor-bench-") as tmp:
        workdir = Path(tmp)
        service, service_url, cold = start_service(workdir)
        floor, floor_url = start_floor(workdir)
        assess_url = f"{service_url}/v1/assessments"
        try:
            drive(assess_url, bodies, 2, conns)  # warm-up
            drive(f"{floor_url}/floor", bodies, 2, conns)
            runs: dict[str, list[Result]] = {"service": [], "floor": []}
            # Short runs, many times alternated: this VM's speed drifts by 10-30 % over tens
            # of seconds, and a drift then falls on both servers alike instead of on one.
            for _ in range(args.rounds):
                runs["service"].append(drive(assess_url, bodies, seconds, conns))
                runs["floor"].append(drive(f"{floor_url}/floor", bodies, seconds, conns))
            for i, (svc_run, flr_run) in enumerate(
                zip(runs["service"], runs["floor"], strict=True)
            ):
                print(f"service  run {i + 1}: {fmt(svc_run)}")
                print(f"floor    run {i + 1}: {fmt(flr_run)}")
                print(f"         ratio of this pair: {svc_run.rps / flr_run.rps:.3f}")
            svc = statistics.mean(r.rps for r in runs["service"])
            flr = statistics.mean(r.rps for r in runs["floor"])
            svc_p99 = statistics.mean(r.p99_ms for r in runs["service"])
            flr_p99 = statistics.mean(r.p99_ms for r in runs["floor"])
            errors = sum(r.non_2xx for r in runs["service"])
            print(f"RATIO throughput service/floor: {svc / flr:.3f}  (goal >= 0.85)")
            # A check on the figure above: a stall of the VM (another guest taking the CPU for
            # a second or two) drags one 4-second run down by a third, on either side, and the
            # ratio of the means with it; the median of the pairs' own ratios shrugs it off.
            pairs = [s.rps / f.rps for s, f in zip(runs["service"], runs["floor"], strict=True)]
            print(f"      median of the pairs' ratios:  {statistics.median(pairs):.3f}")
            print(f"RATIO p99 service/floor:        {svc_p99 / flr_p99:.3f}  (goal <= 1.5)")

            single = drive(f"{assess_url}?limit=5", bodies, seconds, conns)
            batch = drive(f"{assess_url}:batch", batch_bodies, seconds, conns)
            print(
                f"batch of 100: {batch.rps:.0f} batches/s vs {single.rps:.0f} singles/s -> "
                f"one batch costs {single.rps / batch.rps:.1f}x one assessment (goal < 25x)"
            )
            served = sum(r.requests for rs in runs.values() for r in rs)
            print(
                f"service RSS after ~{served // 2 + single.requests + batch.requests * 100} "
                f"assessments: {rss_mb(server_pid(service)):.0f} MB (goal < 150 MB)"
            )
            print(f"cold start to ready: {cold:.2f} s (goal < 2 s)")
        finally:
            stop(floor)
            stop(service)

        # The larger ruleset against the default one, alternately again: services side by
        # side, each on a database of its own (a copy of the first, plus the 10x version).
        # Two 10x rulesets: exact clones (the top five answers are then five copies of the
        # strongest cause, with all their evidence: a richer answer as well as a bigger
        # ruleset), and the same clones ranked below the originals (every cause still scored,
        # the answer the default one: the cost of the ruleset's size alone).
        larger = {"x10": 0.0, "x10 ranked below": CLONE_PRIOR_DROP}
        urls = {"default": ""}
        causes: dict[str, int] = {}
        servers = []
        try:
            for n, (label, step) in enumerate(larger.items()):
                database = f"x10-{n}.db"
                shutil.copy(workdir / "bench.db", workdir / database)
                causes[label] = import_scaled_bundle(workdir, 10, database, step)
                server, url, _ = start_service(workdir, {"LOAD_DEFAULT_CONTENT": "false"}, database)
                servers.append(server)
                urls[label] = url
            server, urls["default"], _ = start_service(workdir)
            servers.append(server)
            for url in urls.values():
                drive(f"{url}/v1/assessments", bodies, 2, conns)
            scaled_runs: dict[str, list[Result]] = {label: [] for label in urls}
            for _ in range(max(2, args.rounds // 2)):
                for label, url in urls.items():
                    scaled_runs[label].append(
                        drive(f"{url}/v1/assessments", bodies, seconds, conns)
                    )
            small = statistics.mean(r.rps for r in scaled_runs["default"])
            print(f"default ruleset, same rounds: {small:.0f} req/s")
            for label in larger:
                for result in scaled_runs[label]:
                    print(f"{label} ({causes[label]} causes): {fmt(result)}")
            clones = statistics.mean(r.rps for r in scaled_runs["x10"])
            below = statistics.mean(r.rps for r in scaled_runs["x10 ranked below"])
            print(f"RATIO 10x ruleset / default throughput: {clones / small:.3f} (goal >= 0.90)")
            print(f"      the same, clones ranked below:     {below / small:.3f}")
        finally:
            for server in servers:
                stop(server)
    if errors:
        print(f"ERROR: {errors} non-2xx answers during the service runs")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
