"""Use the Python client that openapi-python-client generates, exactly as an app would.

The test generates `tremor_client` into a temporary folder, type-checks this file against
it with mypy --strict, then runs it: `python sdk_example.py BASE_URL TOKEN`. It prints one
JSON document with what it sent and what it read, for the test to compare with the raw API.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from tremor_client import AuthenticatedClient
from tremor_client.api.assessments import create_assessment
from tremor_client.api.content import list_causes, list_content_versions
from tremor_client.models import (
    TgActivity,
    TgActivityType,
    TgAssessmentProblem,
    TgAssessmentResponse,
    TgAssociatedSymptom,
    TgCauseList,
    TgEnvironment,
    TgHydration,
    TgSymptoms,
    TgSymptomTiming,
    TgTriageLevel,
    TgVersionStatus,
    TgWorkoutContext,
)


def hot_run(*, red_flag: bool) -> TgWorkoutContext:
    """A long run in the heat with little to drink, optionally with chest pain."""
    return TgWorkoutContext(
        activity=TgActivity(type_=TgActivityType.RUNNING, duration_min=95, intensity_rpe=8),
        environment=TgEnvironment(temperature_c=31, humidity_pct=70),
        hydration=TgHydration(fluid_intake_ml=250, electrolytes_taken=False),
        symptoms=TgSymptoms(
            timing=TgSymptomTiming.DURING,
            cramps=True,
            associated=[TgAssociatedSymptom.CHEST_PAIN] if red_flag else [],
        ),
    )


def main(base_url: str, token: str) -> dict[str, Any]:
    client = AuthenticatedClient(
        base_url=base_url, token=token, timeout=httpx.Timeout(10.0), raise_on_unexpected_status=True
    )
    with client:
        context = hot_run(red_flag=False)
        assessment = create_assessment.sync(client=client, body=context, limit=3, locale="en")
        assert isinstance(assessment, TgAssessmentResponse), assessment
        assert assessment.triage.level is TgTriageLevel.SELF_CARE

        urgent = create_assessment.sync(client=client, body=hot_run(red_flag=True))
        assert isinstance(urgent, TgAssessmentResponse), urgent
        assert urgent.triage.level is TgTriageLevel.URGENT

        too_long = hot_run(red_flag=False)
        too_long.activity.duration_min = 5000
        refused = create_assessment.sync_detailed(client=client, body=too_long)
        assert isinstance(refused.parsed, TgAssessmentProblem), refused
        assert refused.status_code == 422

        causes = list_causes.sync(client=client, locale="en")
        assert isinstance(causes, TgCauseList), causes

        versions = list_content_versions.sync(client=client)
        assert isinstance(versions, list), versions

    return {
        "sent": context.to_dict(),
        "assessment": {
            "content_version": assessment.content_version,
            "triage": assessment.triage.level.value,
            "causes": [(cause.id, cause.rank, cause.score) for cause in assessment.causes],
            "evidence_fields": [[e.field for e in cause.evidence] for cause in assessment.causes],
            "tips": [tip.id for tip in assessment.tips],
            "follow_ups": [question.field for question in assessment.follow_up_questions],
        },
        "urgent_reasons": [reason.code for reason in urgent.triage.reasons],
        "problem": {
            "status": int(refused.status_code),
            "locs": [error.loc for error in refused.parsed.errors or []],
        },
        "causes": {"content_version": causes.content_version, "ids": [c.id for c in causes.causes]},
        "versions": [
            {
                "version": version.version,
                "status": version.status.value,
                "is_current": version.is_current,
                "published": version.status is TgVersionStatus.PUBLISHED,
            }
            for version in versions
        ],
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
