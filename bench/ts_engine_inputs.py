"""Write the inputs of the on-device engine's benchmarks: the default content's plan, the
readings of varied workouts as the server reads them (clients/engine/bench.mjs, the engine
alone) and the 64 raw bodies of `varied(64)` (clients/engine/bench-assess.mjs, `assess`
from the body: reading and answering).

`python -m bench.ts_engine_inputs OUTDIR` writes OUTDIR/plan.json, OUTDIR/readings.json and
OUTDIR/bodies.json; then `node clients/engine/bench.mjs OUTDIR/plan.json OUTDIR/readings.json`
or `node clients/engine/bench-assess.mjs OUTDIR/plan.json OUTDIR/bodies.json` (`make
engine-bench` does the second).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.api.assessments import unknown_words
from app.rules.plan import plan_json
from app.workout.context import WorkoutContext
from app.workout.lenient import InputIssue, as_warnings
from bench.contexts import varied
from tests.rules.helpers import default_engine


def reading_of(
    context: WorkoutContext, issues: Sequence[InputIssue] = (), locale: str = "en"
) -> dict[str, Any]:
    """The context as the reader gives it to the engine: input values (no derived ones),
    the normalized context, the reader's warnings and the unreadable symptom words."""
    result = default_engine().generated.evaluate_context(context)
    values = {k: v for k, v in result.values.items() if not k.startswith("derived.")}
    reading = {
        "values": values,
        "given": result.given,
        "warnings": as_warnings(tuple(issues), locale) if issues else [],
        "unknownWords": unknown_words(tuple(issues)) if issues else [],
    }
    parsed: dict[str, Any] = json.loads(json.dumps(reading))
    return parsed


def main(out: Path, locale: str = "en", count: int = 256) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_bytes(plan_json(default_engine(), locale))
    readings = [reading_of(WorkoutContext.model_validate(body)) for body in varied(count)]
    readings.append(reading_of(WorkoutContext.model_validate(
        {"activity": {"type": "running", "duration_min": 30}}
    )))  # fmt: skip
    (out / "readings.json").write_text(json.dumps(readings), encoding="utf-8")
    (out / "bodies.json").write_text(json.dumps(varied(64)), encoding="utf-8")
    print(f"wrote {out / 'plan.json'}, {len(readings)} readings and 64 bodies")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
