"""GET /v1/admin/content/versions/{v}/outcomes: shown counts, feedback, rates and intervals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.auth.scopes import Scope
from app.core.config import Settings
from app.lifespan import flush_shown_once
from app.main import create_app
from app.outcomes.stats import wilson_interval
from tests.outcomes.conftest import WORKOUT, assess, feedback


def flush(client: TestClient) -> bool:
    services = client.app.state.services  # type: ignore[attr-defined]
    ok: bool = client.portal.call(flush_shown_once, services)  # type: ignore[union-attr]
    return ok


def report(client: TestClient, headers: dict[str, str], version: int = 1) -> dict[str, Any]:
    response = client.get(f"/v1/admin/content/versions/{version}/outcomes", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_rates_intervals_and_shown_counts_after_feedback(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    answers = [assess(client) for _ in range(3)]
    top = answers[0]["causes"][0]["id"]
    tip = answers[0]["tips"][0]["id"]
    assert all(a["causes"][0]["id"] == top for a in answers)
    for answer, outcome in zip(answers, ["worse", "worse", "better"], strict=True):
        response = feedback(
            client, answer["assessment_id"], outcome=outcome, tips_followed=[tip], helpful=True
        )
        assert response.status_code == 202
    assert flush(client)
    got = report(client, admin_headers)
    assert got["content_version"] == 1
    assert got["overall"]["feedback_count"] == 3
    assert got["overall"]["helpful"] == {"yes": 3, "no": 0}
    cause = next(c for c in got["causes"] if c["id"] == top)
    assert cause["shown"] == 3
    assert cause["feedback_count"] == 3
    low, high = wilson_interval(2, 3)
    assert cause["outcomes"]["worse"] == {
        "count": 2,
        "rate": pytest.approx(2 / 3),
        "ci_low": pytest.approx(low),
        "ci_high": pytest.approx(high),
    }
    assert cause["outcomes"]["resolved"]["count"] == 0
    assert cause["outcomes"]["resolved"]["rate"] == 0
    tip_row = next(t for t in got["tips"] if t["id"] == tip)
    assert (tip_row["shown"], tip_row["tips_followed"], tip_row["feedback_count"]) == (3, 3, 3)
    # An item no answer showed: nothing known, the whole interval.
    shown_ids = {c["id"] for a in answers for c in a["causes"]}
    unseen = next(c for c in got["causes"] if c["id"] not in shown_ids)
    assert unseen["shown"] == 0 and unseen["feedback_count"] == 0
    assert unseen["outcomes"]["worse"] == {"count": 0, "rate": None, "ci_low": 0, "ci_high": 1}


def test_shown_counts_add_up_over_flushes_and_batches(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    first = assess(client)
    assert flush(client)
    assert flush(client)  # nothing new: adds nothing
    batch = client.post("/v1/assessments:batch", json={"items": [WORKOUT] * 4})
    assert batch.status_code == 200
    assert flush(client)
    got = report(client, admin_headers)
    top = first["causes"][0]["id"]
    assert next(c for c in got["causes"] if c["id"] == top)["shown"] == 5
    assert got["overall"]["feedback_count"] == 0
    assert got["overall"]["outcomes"]["worse"]["rate"] is None


def test_shown_counts_survive_a_failed_flush(
    client: TestClient, admin_headers: dict[str, str], database_url: str
) -> None:
    answer = assess(client)
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:  # the table goes away: a real failure of the database
            conn.execute(text("ALTER TABLE outcome_shown RENAME TO outcome_shown_away"))
        try:
            assert flush(client) is False
            assess(client)
        finally:
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE outcome_shown_away RENAME TO outcome_shown"))
    finally:
        engine.dispose()
    assert flush(client) is True
    top = answer["causes"][0]["id"]
    got = report(client, admin_headers)
    assert next(c for c in got["causes"] if c["id"] == top)["shown"] == 2


def test_counts_are_flushed_at_shutdown(settings: Settings, admin_headers: dict[str, str]) -> None:
    lazy = settings.model_copy(update={"outcomes_flush_interval_s": 300.0})
    with TestClient(create_app(lazy)) as first:
        top = assess(first)["causes"][0]["id"]
    with TestClient(create_app(lazy)) as second:
        got = report(second, admin_headers)
    assert next(c for c in got["causes"] if c["id"] == top)["shown"] == 1


def test_unknown_version_is_404_and_a_content_read_key_is_enough(
    client: TestClient, admin_headers: dict[str, str], make_key: Callable[..., str]
) -> None:
    missing = client.get("/v1/admin/content/versions/99/outcomes", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    for scope in (Scope.content_read, Scope.content_write):
        headers = {"Authorization": f"Bearer {make_key(scope)}"}
        assert report(client, headers)["content_version"] == 1


def test_the_diff_shows_both_versions_outcome_rates_side_by_side(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    answer = assess(client)
    assert feedback(client, answer["assessment_id"], outcome="worse").status_code == 202
    draft = client.post(
        "/v1/admin/content/versions", json={"base_version": 1}, headers=admin_headers
    )
    assert draft.status_code == 201
    published = client.post("/v1/admin/content/versions/2/publish", json={}, headers=admin_headers)
    assert published.status_code == 200, published.text
    diff = client.get("/v1/admin/content/diff?from=1&to=2", headers=admin_headers)
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert {"from", "to", "items", "golden_case_changes", "ranking_comparable"} <= set(body)
    outcomes = body["outcomes"]
    assert outcomes["from"]["feedback_count"] == 1
    assert outcomes["from"]["outcomes"]["worse"]["rate"] == 1.0
    assert outcomes["to"]["feedback_count"] == 0
    top = answer["causes"][0]["id"]
    row = next(c for c in outcomes["causes"] if c["id"] == top)
    assert row["from"]["outcomes"]["worse"]["count"] == 1
    assert row["to"]["feedback_count"] == 0
    # Items neither version showed nor got feedback on are left out, not rows of zeros.
    assert {c["id"] for c in outcomes["causes"]} <= {c["id"] for c in answer["causes"]}
    assert {t["id"] for t in outcomes["tips"]} <= {t["id"] for t in answer["tips"]}


def test_feedback_is_rate_limited_like_assessments(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_assess": "3/day"})
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        answer_id = assess(client)["assessment_id"]
        assert feedback(client, answer_id, outcome="same").status_code == 202
        assert feedback(client, answer_id, outcome="same").status_code == 202
        refused = feedback(client, answer_id, outcome="same")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert "retry-after" in refused.headers
        assert client.post("/v1/assessments", json=WORKOUT).status_code == 429
