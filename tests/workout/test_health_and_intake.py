"""The health and intake sections: units, the medicine vocabulary, and nothing dropped
without a word."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.workout.context import WorkoutContext
from app.workout.lenient import IssueCode, read_leniently
from app.workout.units import GLUCOSE_MG_DL_PER_MMOL_L
from app.workout.vocabulary import Medication

RUN = {"type": "running", "duration_min": 30}


def test_glucose_in_mmol_per_litre_becomes_mg_per_decilitre() -> None:
    context = WorkoutContext.model_validate(
        {"activity": RUN, "health": {"blood_glucose_mmol_l": 3.4}}
    )
    assert context.health.blood_glucose_mg_dl == pytest.approx(
        3.4 * GLUCOSE_MG_DL_PER_MMOL_L, abs=1e-3
    )
    assert context.health.blood_glucose_mmol_l is None  # rules only ever see mg/dL


def test_both_glucose_units_must_agree() -> None:
    agreeing = {"blood_glucose_mg_dl": 62, "blood_glucose_mmol_l": 3.44}
    assert WorkoutContext.model_validate({"activity": RUN, "health": agreeing})
    with pytest.raises(ValidationError, match="blood_glucose_mg_dl"):
        WorkoutContext.model_validate(
            {"activity": RUN, "health": {"blood_glucose_mg_dl": 62, "blood_glucose_mmol_l": 6.0}}
        )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("salbutamol", Medication.BETA2_AGONIST),
        ("Albuterol", Medication.BETA2_AGONIST),
        ("levothyroxine", Medication.THYROID_HORMONE),
        ("lithium", Medication.LITHIUM),
        ("sodium valproate", Medication.VALPROATE),
        ("sertraline", Medication.SSRI),
        ("venlafaxine", Medication.SNRI),
        ("theophylline", Medication.THEOPHYLLINE),
        ("prednisolone", Medication.CORTICOSTEROID),
        ("atorvastatin", Medication.STATIN),
        ("furosemide", Medication.DIURETIC),
        ("bisoprolol", Medication.BETA_BLOCKER),
        ("insulin", Medication.INSULIN),
        ("gliclazide", Medication.SULFONYLUREA),
        ("methylphenidate", Medication.STIMULANT),
    ],
)
def test_generic_names_become_their_drug_class(name: str, kind: Medication) -> None:
    context = WorkoutContext.model_validate({"activity": RUN, "health": {"medications": [name]}})
    assert context.health.medications == [kind]


def test_an_unknown_medicine_or_a_typo_is_named_back_not_dropped_silently() -> None:
    read = read_leniently(
        {
            "activity": RUN,
            "health": {"medications": ["salbutamol", "unobtainium"], "diabetes": "type3"},
            "intake": {"caffeine_mgg": 300},
            "hydration": {"fluid_intake_mls": 500},
        }
    )
    assert read.context is not None
    assert read.context.health.medications == [Medication.BETA2_AGONIST]
    issues = {(issue.field, issue.code) for issue in read.issues}
    assert issues == {
        ("health.medications", IssueCode.invalid_value_ignored),
        ("health.diabetes", IssueCode.invalid_value_ignored),
        ("intake.caffeine_mgg", IssueCode.unknown_field),
        ("hydration.fluid_intake_mls", IssueCode.unknown_field),
    }


def test_strict_requests_refuse_what_a_normal_one_reports(client: TestClient) -> None:
    body = {"activity": RUN, "intake": {"caffeine_mgg": 300}, "health": {"medications": ["x"]}}
    normal = client.post("/v1/assessments", json=body)
    assert normal.status_code == 200
    assert {w["field"] for w in normal.json()["warnings"]} == {
        "intake.caffeine_mgg",
        "health.medications",
    }
    strict = client.post("/v1/assessments", params={"strict": "true"}, json=body)
    assert strict.status_code == 422
    assert {e["loc"] for e in strict.json()["errors"]} >= {"intake.caffeine_mgg"}
