"""Workout contexts for the benchmarks: the full one, and many plausible variations of it.

The load runs rotate through varied bodies, not one body sent again and again: a real app
sends a different workout every time, and a benchmark of a single body would flatter any
cache keyed on the request. Every variant is a full context (all sections filled), so each
costs what the issue measures, and they are made from a fixed seed, so every run sends the
same sequence to the service and to the floor.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from bench.engine_bench import FULL

ACTIVITIES = ("running", "cycling", "strength_training", "hiking", "walking", "rowing")


def varied(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` full contexts that differ in every number a workout app would report."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for _ in range(count):
        context = copy.deepcopy(FULL)
        activity, environment = context["activity"], context["environment"]
        activity["type"] = rng.choice(ACTIVITIES)
        activity["duration_min"] = rng.randint(20, 180)
        activity["intensity_rpe"] = rng.randint(3, 10)
        activity["avg_heart_rate_bpm"] = rng.randint(110, 175)
        activity["distance_km"] = round(rng.uniform(3, 42), 1)
        activity["load_pct_1rm"] = rng.randint(50, 95)
        activity["to_failure"] = rng.random() < 0.4
        environment["temperature_c"] = round(rng.uniform(5, 38), 1)
        environment["humidity_pct"] = rng.randint(20, 95)
        hydration = context["hydration"]
        hydration["fluid_intake_ml"] = rng.randrange(0, 2000, 50)
        hydration["body_mass_change_pct"] = round(rng.uniform(-4, 0.5), 1)
        hydration["electrolytes_taken"] = rng.random() < 0.5
        hydration["urine_color"] = rng.randint(1, 8)
        nutrition = context["nutrition"]
        nutrition["hours_since_last_meal"] = round(rng.uniform(0.5, 12), 1)
        nutrition["pre_workout_carbs_g"] = rng.randrange(0, 120, 5)
        nutrition["carbs_g_per_hour"] = rng.randrange(0, 90, 5)
        nutrition["fasted"] = nutrition["hours_since_last_meal"] > 8
        context["preparation"] = {
            "warmup_min": rng.randint(0, 20),
            "cooldown_min": rng.randint(0, 15),
        }
        training = context["training"]
        training["fitness_level"] = rng.choice(("beginner", "intermediate", "advanced"))
        training["sessions_per_week"] = rng.randint(0, 8)
        training["load_change_pct"] = rng.randint(-30, 100)
        context["athlete"] = {"age_years": rng.randint(18, 70), "sleep_hours": rng.randint(4, 9)}
        symptoms = context["symptoms"]
        symptoms["timing"] = rng.choice(("during", "after", "both"))
        symptoms["severity"] = rng.choice(("mild", "moderate"))
        symptoms["cramps"] = rng.random() < 0.5
        out.append(context)
    return out
