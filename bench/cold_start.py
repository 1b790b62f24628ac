"""Cold start to ready, measured as bench/run.py measures it, several times over.

Usage: python bench/cold_start.py [-n N] [--fresh-only | --migrated-only]

Each start is `tremor-guide serve --workers 1` on SQLite, timed from the moment the process
is spawned until GET /readyz answers 200 (bench/run.py's `start_service`). Two cases:

- fresh: a new, empty database file every time (migrations + default content + compile);
- migrated: the same database file each time, already at head with content published.

One figure moves with whatever else runs on the machine, so this prints every start and
the median of each case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import start_service, stop  # noqa: E402

GOAL_S = 2.0


def cold_start(workdir: Path) -> float:
    """Start the service on `workdir`/bench.db, wait for /readyz, stop it; seconds to ready."""
    process, _, seconds = start_service(workdir)
    stop(process)
    return seconds


def fresh_starts(count: int) -> list[float]:
    """Starts on a new, empty database file each time."""
    times = []
    for _ in range(count):
        with tempfile.TemporaryDirectory(prefix="tremor-cold-") as tmp:
            times.append(cold_start(Path(tmp)))
    return times


def migrated_starts(count: int) -> list[float]:
    """Starts on one database file migrated and loaded by a first (unmeasured) start."""
    with tempfile.TemporaryDirectory(prefix="tremor-cold-") as tmp:
        workdir = Path(tmp)
        cold_start(workdir)
        return [cold_start(workdir) for _ in range(count)]


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    each = " ".join(f"{t:.2f}" for t in times)
    verdict = "ok" if median < GOAL_S else "over"
    print(f"{name:9s} median {median:.2f} s ({verdict}, goal < {GOAL_S:.0f} s)  each: {each}")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5, help="starts per case (default 5)")
    case = parser.add_mutually_exclusive_group()
    case.add_argument("--fresh-only", action="store_true")
    case.add_argument("--migrated-only", action="store_true")
    args = parser.parse_args()
    if not args.migrated_only:
        report("fresh", fresh_starts(args.n))
    if not args.fresh_only:
        report("migrated", migrated_starts(args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
