"""A rollout judged by its outcomes: rates side by side on GET, and the automatic abort."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.outcomes.rollout import AUTO_ABORT_ACTOR
from tests.content.rollout_helpers import WORKOUT, start_canary

ROLLOUT = "/v1/admin/content/rollout"


def _client(settings: Settings, **changes: Any) -> TestClient:
    roomy = settings.model_copy(update={"rate_limit_assess": "1000000/minute", **changes})
    return TestClient(create_app(roomy), raise_server_exceptions=False)


@pytest.fixture
def watched(settings: Settings) -> Iterator[TestClient]:
    """Aborts when the canary's worse rate is 20 points above, after 4 feedback each."""
    with _client(
        settings, rollout_auto_abort_margin=0.2, rollout_auto_abort_min_feedback=4
    ) as client:
        yield client


def answers_of(client: TestClient, version: int, count: int) -> list[dict[str, Any]]:
    """`count` answers served from `version`, by trying client ids until enough land there."""
    found: list[dict[str, Any]] = []
    for n in range(2000):
        answer = client.post(
            "/v1/assessments", json=WORKOUT, headers={"X-Client-ID": f"judge-{n}"}
        ).json()
        if answer["content_version"] == version:
            found.append(answer)
            if len(found) == count:
                return found
    raise AssertionError(f"fewer than {count} answers from version {version}")


def feedback(client: TestClient, answer: dict[str, Any], outcome: str) -> None:
    sent = client.post(
        f"/v1/assessments/{answer['assessment_id']}/feedback", json={"outcome": outcome}
    )
    assert sent.status_code == 202, sent.text


def rollout(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    shown = client.get(ROLLOUT, headers=headers)
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


def test_get_shows_both_versions_outcome_rates(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with _client(settings) as client:
        canary = start_canary(client, admin_headers, 50)
        for answer in answers_of(client, canary, 3):
            feedback(client, answer, "worse")
        for answer in answers_of(client, 1, 2):
            feedback(client, answer, "resolved")
        shown = rollout(client, admin_headers)
        assert shown["canary_outcomes"]["feedback_count"] == 3
        assert shown["canary_outcomes"]["outcomes"]["worse"]["rate"] == 1.0
        assert shown["current_outcomes"]["feedback_count"] == 2
        assert shown["current_outcomes"]["outcomes"]["worse"]["rate"] == 0.0
        assert shown["current_outcomes"]["outcomes"]["resolved"]["ci_low"] > 0
        assert shown["auto_abort_margin"] is None  # unset: never by itself
        assert shown["running"] is True  # with no margin, nothing aborts


def test_a_canary_worse_by_more_than_the_margin_is_aborted(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    for answer in answers_of(watched, 1, 4):
        feedback(watched, answer, "better")
    canary_answers = answers_of(watched, canary, 4)
    for answer in canary_answers[:3]:
        feedback(watched, answer, "worse")
    assert rollout(watched, admin_headers)["running"] is True  # 3 feedback: not enough yet
    feedback(watched, canary_answers[3], "worse")
    shown = rollout(watched, admin_headers)
    assert shown["running"] is False
    assert shown["current_version"] == 1
    audit = watched.get("/v1/admin/audit", headers=admin_headers).json()["items"]
    aborts = [entry for entry in audit if entry["action"] == "rollout_abort"]
    assert aborts and aborts[0]["actor"] == AUTO_ABORT_ACTOR
    assert "worse rate" in aborts[0]["reason"]
    # Nobody is served the aborted canary any more; pinned, it still answers.
    assert {a["content_version"] for a in answers_of(watched, 1, 20)} == {1}
    pinned = watched.post("/v1/assessments", json=WORKOUT, params={"content_version": canary})
    assert pinned.status_code == 200


def test_a_canary_within_the_margin_keeps_running(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    for outcome, answer in zip(
        ["worse", "better", "better", "better"], answers_of(watched, 1, 4), strict=True
    ):
        feedback(watched, answer, outcome)  # current: 25 % worse
    for outcome, answer in zip(
        ["better", "worse", "better", "same"], answers_of(watched, canary, 4), strict=True
    ):
        feedback(watched, answer, outcome)  # canary: 25 % worse too, 0 points above
    assert rollout(watched, admin_headers)["running"] is True
    for answer in answers_of(watched, canary, 6)[4:]:
        feedback(watched, answer, "worse")  # canary: 3 of 6, 25 points above: past 0.2
    assert rollout(watched, admin_headers)["running"] is False


def test_enough_feedback_on_both_sides_is_needed(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    for answer in answers_of(watched, canary, 6):
        feedback(watched, answer, "worse")  # the current version has no feedback yet
    shown = rollout(watched, admin_headers)
    assert shown["running"] is True
    assert shown["canary_outcomes"]["feedback_count"] == 6
