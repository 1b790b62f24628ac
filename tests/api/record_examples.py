"""Record the spec's examples (`app/api/examples.json`) from the app's real answers.

Run it when the default content or an answer's shape changes on purpose, then
`make openapi`: `python -m tests.api.record_examples`. The request bodies are defined here;
the answers are what the app gives for them, with fixed assessment ids.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.api.examples import EXAMPLES_PATH
from app.core.config import Settings
from app.main import create_app

CYCLING = {
    "activity": {"type": "cycling", "duration_min": 180, "intensity_rpe": 6},
    "environment": {"temperature_c": 34, "humidity_pct": 55},
    "hydration": {"fluid_intake_ml": 300},
    "symptoms": {"timing": "during"},
}
RED_FLAG = {
    "activity": {"type": "running", "duration_min": 40, "intensity_rpe": 8},
    "symptoms": {"timing": "after", "severity": "severe", "associated": ["chest_pain"]},
}
UNUSABLE_WITH_RED_FLAG = {"activity": {"type": "running"}, "symptoms": {"associated": ["fainting"]}}
BATCH = {"items": [CYCLING, UNUSABLE_WITH_RED_FLAG]}

ASSESSMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "cycling_in_heat": ("Three hours of cycling at 34 °C on 300 ml of fluids", CYCLING),
    "red_flag": ("Chest pain after a hard run: the triage is urgent", RED_FLAG),
}
ADMIN_REQUESTS: dict[str, dict[str, dict[str, Any]]] = {
    "create_draft": {
        "notes": {
            "summary": "A draft from the current version",
            "value": {"notes": "clearer hydration tip"},
        }
    },
    "patch_draft_item": {
        "tip_title": {
            "summary": "A new English title for one tip",
            "value": {"text": {"en": {"title": "Drink before, during and after"}}},
        }
    },
    "publish_version": {
        "notes": {"summary": "Publish with a note", "value": {"notes": "clearer hydration tip"}}
    },
    "rollback_content": {
        "to_v1": {
            "summary": "Back to version 1",
            "value": {"to_version": 1, "reason": "the new tip confused users"},
        }
    },
}


def with_fixed_ids(answer: dict[str, Any], ids: Iterator[str]) -> dict[str, Any]:
    """The answer with its assessment ids (signed tokens, new on every answer) replaced by
    the next of `ids`, in answer order."""
    if "assessment_id" in answer:
        answer["assessment_id"] = next(ids)
    for result in answer.get("results", []):
        with_fixed_ids(result, ids)
    return answer


def record(client: TestClient) -> dict[str, Any]:
    def post(path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
        # The ids are kept as issued (by a throwaway database's key): they show the real shape.
        response = client.post(path, json=body)
        assert response.status_code == status, response.text
        answer: dict[str, Any] = response.json()
        return answer

    single = {
        "request": {
            name: {"summary": summary, "value": body}
            for name, (summary, body) in ASSESSMENTS.items()
        },
        "response": {
            "200": {
                name: {"summary": summary, "value": post("/v1/assessments", body, 200)}
                for name, (summary, body) in ASSESSMENTS.items()
            },
            "422": {
                "unusable_with_red_flag": {
                    "summary": "No duration, but fainting: no ranking, still the triage",
                    "value": post("/v1/assessments", UNUSABLE_WITH_RED_FLAG, 422),
                }
            },
        },
    }
    summary = "Two workouts; the second has no duration and gets its own problem"
    batch = {
        "request": {"one_bad_item": {"summary": summary, "value": BATCH}},
        "response": {
            "200": {
                "one_bad_item": {
                    "summary": summary,
                    "value": post("/v1/assessments:batch", BATCH, 200),
                }
            }
        },
    }
    recorded: dict[str, Any] = {"create_assessment": single, "create_assessment_batch": batch}
    recorded.update({op: {"request": named} for op, named in ADMIN_REQUESTS.items()})
    return recorded


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{Path(folder) / 'examples.db'}",
            log_level="WARNING",
            rate_limit_enabled=False,
        )
        with TestClient(create_app(settings)) as client:
            recorded = record(client)
    text = json.dumps(recorded, indent=2, ensure_ascii=False) + "\n"
    EXAMPLES_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {EXAMPLES_PATH}")


if __name__ == "__main__":
    main()
