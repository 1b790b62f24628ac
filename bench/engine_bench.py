"""Time the assessment engine alone: evaluation (triage + ranking) and the full answer.

The answer is timed as the HTTP route makes it: plain data from `assess_payload`, serialised
once with orjson.

Usage: python bench/engine_bench.py [--number N]

The last column is the answer with `explain=counterfactuals` (the search over the rules that
only that query asks for), timed with fewer calls.

Runs on the default content and on a ten-times larger ruleset (every cause cloned with its
rules and tips under new ids) to show how the cost grows with the content. Prints the best of
several repeats, in microseconds per call.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.content.files import load_bundle
from app.rules.bundle import Bundle
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext

FULL: dict[str, Any] = {
    "activity": {
        "type": "running",
        "duration_min": 95,
        "intensity_rpe": 8,
        "avg_heart_rate_bpm": 165,
        "max_heart_rate_bpm": 186,
        "distance_km": 21.1,
        "elevation_gain_m": 120,
        "elevation_loss_m": 400,
        "sets": 5,
        "reps_per_set": 8,
        "load_pct_1rm": 85,
        "to_failure": True,
    },
    "environment": {"temperature_c": 31, "humidity_pct": 70},
    "hydration": {
        "fluid_intake_ml": 250,
        "body_mass_change_pct": -2.5,
        "electrolytes_taken": False,
        "urine_color": 6,
    },
    "nutrition": {
        "hours_since_last_meal": 5,
        "pre_workout_carbs_g": 0,
        "carbs_g_per_hour": 0,
        "fasted": True,
    },
    "preparation": {"warmup_min": 0, "cooldown_min": 0},
    "training": {
        "fitness_level": "beginner",
        "sessions_per_week": 1,
        "load_change_pct": 80,
        "consecutive_training_days": 1,
        "returning_after_weeks_off": 0,
        "returning_from_injury": False,
    },
    "athlete": {"age_years": 34, "sleep_hours": 5},
    "symptoms": {
        "timing": "during",
        "duration_min": 10,
        "severity": "moderate",
        "body_parts": ["quadriceps", "calves"],
        "cramps": True,
        "persisting_days": 0,
        "associated": [],
    },
}
MINIMAL: dict[str, Any] = {"activity": {"type": "running", "duration_min": 30}}


def scaled(bundle: Bundle, copies: int, prior_drop: float = 0.0) -> Bundle:
    """The bundle with every cause, its rules and the tips for it cloned `copies` times.

    Exact clones score exactly alike, so the top five of an answer are then five copies of
    the strongest cause, each with all of its evidence: a richer answer, not only a bigger
    ruleset. `prior_drop` lowers the copies' priors by that much (to no less than the
    bundle's floor of -10): with a large drop every copy is still scored on every request but
    ranks below the originals, so the answer is the default one and what is measured is the
    cost of the ruleset's size.
    """
    data = bundle.model_dump(mode="json")

    def renamed(copy: int, cause_id: str) -> str:
        return cause_id if copy == 0 else f"{cause_id}_{copy}"

    for key in ("causes", "rules", "tips"):
        originals, data[key] = data[key], []
        for copy in range(copies):
            for item in originals:
                clone = dict(item)
                if key == "rules":
                    clone["cause"] = renamed(copy, item["cause"])
                    if copy:
                        clone["prior"] = max(item["prior"] - prior_drop, -10.0)
                else:
                    clone["id"] = renamed(copy, item["id"])
                if key == "tips":
                    clone["addresses"] = [renamed(copy, c) for c in item["addresses"]]
                data[key].append(clone)
    return Bundle.model_validate(data)


def best_us(call: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per repeat")
    args = parser.parse_args()
    bundle = load_bundle()
    contexts = {
        name: WorkoutContext.model_validate(data)
        for name, data in [("full", FULL), ("minimal", MINIMAL)]
    }
    print(
        f"{'ruleset':<18} {'context':<8} {'evaluate µs':>12} {'answer µs':>10} {'explain µs':>11}"
    )
    for label, content in (("default", bundle), ("10x", scaled(bundle, 10))):
        engine = AssessmentEngine(content, 1)
        signals = sum(len(cause.signals) for cause in engine.ruleset.causes)
        for name, ctx in contexts.items():
            evaluate = best_us(partial(engine.evaluate, ctx), args.number)
            payload = partial(engine.assess_payload, ctx, locale="en", assessment_id="bench")
            assess = best_us(lambda payload=payload: orjson.dumps(payload()), args.number)
            explained = partial(payload, explain=True)
            explain = best_us(
                lambda explained=explained: orjson.dumps(explained()), max(args.number // 100, 5)
            )
            print(f"{label:<18} {name:<8} {evaluate:>12.1f} {assess:>10.1f} {explain:>11.1f}")
        print(f"{'':<18} ({len(engine.ruleset.causes)} causes, {signals} signals)")


if __name__ == "__main__":
    main()
