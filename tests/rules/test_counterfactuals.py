"""Counterfactuals: found from the compiled rules, re-scored by the same generated code."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.answer import sigmoid
from app.rules.bundle import Bundle
from app.rules.counterfactuals import CONTROLLABLE, MIN_DROP
from app.rules.versions import AssessmentEngine
from app.workout.context import WorkoutContext
from tests.rules.helpers import default_bundle, default_engine

HOT_RIDE: dict[str, Any] = {
    "activity": {"type": "cycling", "duration_min": 120},
    "environment": {"temperature_c": 31, "humidity_pct": 70},
    "hydration": {"fluid_intake_ml": 300},
}
OTHERS: list[dict[str, Any]] = [
    HOT_RIDE,
    {
        "activity": {"type": "running", "duration_min": 95, "intensity_rpe": 8},
        "hydration": {"fluid_intake_ml": 250, "electrolytes_taken": False},
        "nutrition": {"hours_since_last_meal": 5, "carbs_g_per_hour": 0, "fasted": True},
        "preparation": {"warmup_min": 0, "cooldown_min": 0},
        "training": {"load_change_pct": 80},
        "athlete": {"sleep_hours": 5},
    },
    {
        "activity": {"type": "strength_training", "duration_min": 60, "intensity_rpe": 9},
        "preparation": {"warmup_min": 2},
        "training": {"load_change_pct": 40},
    },
]


def _answer(data: dict[str, Any], explain: bool = True) -> dict[str, Any]:
    context = WorkoutContext.model_validate(data)
    return default_engine().assess_payload(
        context, locale="en", limit=8, assessment_id="t", explain=explain
    )


def _score_of(data: dict[str, Any], cause_id: str) -> float:
    """The cause's score as an answer shows it, whether or not it is ranked any more."""
    logit = default_engine().evaluate(WorkoutContext.model_validate(data)).logits[cause_id]
    return round(sigmoid(logit) * 1000.0) / 1000.0


def _with(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    section, name = path.split(".")
    changed.setdefault(section, {})[name] = value
    return changed


def test_a_hot_ride_with_little_fluid_is_told_to_drink_more() -> None:
    dehydration = next(c for c in _answer(HOT_RIDE)["causes"] if c["id"] == "dehydration")
    first = dehydration["counterfactuals"][0]
    assert first["field"] == "hydration.fluid_intake_ml"
    assert first["from"] == 300 and first["to"] > 300
    assert first["score_after"] < dehydration["score"]
    assert "ml more" in first["message"]


def test_more_fluid_is_never_more_than_a_litre_an_hour() -> None:
    """Drinking past about a litre an hour risks low blood sodium: a long hot ride with almost
    nothing drunk is told to drink more, but not beyond that."""
    for minutes in (45, 90, 180):
        ride = _with(HOT_RIDE, "activity.duration_min", minutes)
        for cause in _answer(ride)["causes"]:
            for item in cause["counterfactuals"]:
                if item["field"] == "hydration.fluid_intake_ml":
                    assert item["to"] <= 1000 * minutes / 60, (minutes, item)


def _raises_fluid(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        item
        for cause in answer["causes"]
        for item in cause["counterfactuals"]
        if item["field"] == "hydration.fluid_intake_ml" and item["to"] > item["from"]
    ]


def test_an_urgent_answer_has_no_counterfactuals() -> None:
    """Prevention waits, as the tips do: nothing may stand beside "seek care now"."""
    headache_in_heat = _with(
        _with(HOT_RIDE, "environment.temperature_c", 34), "symptoms.associated", ["severe_headache"]
    )
    answer = _answer(headache_in_heat)
    assert answer["triage"]["level"] == "urgent"
    assert all(cause["counterfactuals"] == [] for cause in answer["causes"])
    # the same ride without the headache is told to drink more
    assert _raises_fluid(_answer(_with(HOT_RIDE, "environment.temperature_c", 34)))


def test_no_counterfactual_gives_the_advice_of_a_contraindicated_tip() -> None:
    """Where the content hides the tips that say "drink" (here: whenever it is hot), no
    counterfactual says "drink more" either; the other changes are still offered."""
    data = copy.deepcopy(default_bundle().model_dump(mode="json"))
    for tip in data["tips"]:
        if any(action["kind"] == "drink" for action in tip.get("actions", [])):
            tip["hidden_when"] = [{"field": "environment.temperature_c", "op": "gte", "value": 30}]
    engine = AssessmentEngine(Bundle.model_validate(data), 2)
    answer = engine.assess_payload(
        WorkoutContext.model_validate(HOT_RIDE),
        locale="en",
        limit=8,
        assessment_id="t",
        explain=True,
    )
    assert _raises_fluid(_answer(HOT_RIDE))
    assert not _raises_fluid(answer)
    assert any(cause["counterfactuals"] for cause in answer["causes"])


def test_without_explain_every_cause_has_an_empty_list() -> None:
    assert all(cause["counterfactuals"] == [] for cause in _answer(HOT_RIDE, False)["causes"])


def test_applying_a_counterfactual_gives_its_score_after() -> None:
    checked = 0
    for data in OTHERS:
        for cause in _answer(data)["causes"]:
            assert len(cause["counterfactuals"]) <= 3
            for item in cause["counterfactuals"]:
                assert item["field"] in CONTROLLABLE  # never environment, age, symptoms
                after = _score_of(_with(data, item["field"], item["to"]), cause["id"])
                assert after == item["score_after"] < cause["score"]
                checked += 1
    assert checked >= 5


def test_counterfactuals_are_deterministic() -> None:
    assert _answer(OTHERS[1])["causes"] == _answer(OTHERS[1])["causes"]


def test_spanish_messages() -> None:
    answer = default_engine().assess_payload(
        WorkoutContext.model_validate(HOT_RIDE),
        locale="es",
        limit=3,
        assessment_id="t",
        explain=True,
    )
    assert "Beber unos" in answer["causes"][0]["counterfactuals"][0]["message"]


@settings(max_examples=25, deadline=None)
@given(
    duration=st.integers(20, 300),
    fluid=st.integers(0, 3000),
    temperature=st.integers(0, 38),
    rpe=st.integers(1, 10),
    warmup=st.integers(0, 20),
    carbs=st.integers(0, 90),
)
def test_applying_any_counterfactual_never_raises_that_cause(
    duration: int, fluid: int, temperature: int, rpe: int, warmup: int, carbs: int
) -> None:
    data: dict[str, Any] = {
        "activity": {"type": "running", "duration_min": duration, "intensity_rpe": rpe},
        "environment": {"temperature_c": temperature},
        "hydration": {"fluid_intake_ml": fluid},
        "preparation": {"warmup_min": warmup},
        "nutrition": {"carbs_g_per_hour": carbs},
    }
    for cause in _answer(data)["causes"]:
        for item in cause["counterfactuals"]:
            after = _score_of(_with(data, item["field"], item["to"]), cause["id"])
            assert after <= cause["score"]
            # worth the effort, and never a change that is unsafe in itself
            assert cause["score"] - item["score_after"] >= MIN_DROP - 1e-9
            if item["field"] == "hydration.fluid_intake_ml" and item["to"] > item["from"]:
                assert item["to"] <= 1000 * duration / 60
