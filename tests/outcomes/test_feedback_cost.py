"""A feedback's cost does not grow with the feedback stored: during a canary, the automatic
abort reads the versions' tallies (kept by each feedback), never every feedback again.

Counted, not timed: every statement the feedback runs is caught by a SQLAlchemy event, and
each SELECT is run again afterwards to count the rows it returned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.config import Settings
from app.main import create_app
from app.outcomes.models import OutcomeFeedback
from tests.content.rollout_helpers import WORKOUT, start_canary

Statement = tuple[str, Any]


@pytest.fixture
def canary_client(settings: Settings) -> Iterator[TestClient]:
    """A running canary and an automatic abort that is armed but never fires here; nothing
    else runs statements meanwhile (the pollers, the webhook worker, the shown-count flush)."""
    changed = settings.model_copy(
        update={
            "content_poll_interval_s": 3600,
            "content_watch_interval_s": 0,
            "webhook_worker_enabled": False,
            "outcomes_flush_interval_s": 300,
            "forwarded_allow_ips": ["*"],
            "rollout_auto_abort_margin": 0.99,
            "rollout_auto_abort_min_sources": 1,
        }
    )
    with TestClient(create_app(changed), raise_server_exceptions=False) as client:
        yield client


def _answer(client: TestClient, version: int) -> str:
    response = client.post("/v1/assessments", json=WORKOUT, params={"content_version": version})
    assert response.status_code == 200, response.text
    token: str = response.json()["assessment_id"]
    return token


def _statements_of_a_feedback(
    client: TestClient, engine: Engine, token: str, address: str
) -> list[Statement]:
    caught: list[Statement] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        caught.append((statement, parameters))

    event.listen(engine, "after_cursor_execute", catch)
    try:
        response = client.post(
            f"/v1/assessments/{token}/feedback",
            json={"outcome": "worse"},
            headers={"X-Forwarded-For": address},
        )
    finally:
        event.remove(engine, "after_cursor_execute", catch)
    assert response.status_code == 202, response.text
    return caught


def _rows_returned(database_url: str, statements: list[Statement]) -> list[int]:
    """Each SELECT run again on a connection of its own: how many rows it returns."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [
                len(conn.exec_driver_sql(sql, parameters).fetchall())
                for sql, parameters in statements
                if sql.lstrip().upper().startswith("SELECT")
            ]
    finally:
        engine.dispose()


def _store_feedback(engine: Engine, versions: tuple[int, ...], per_version: int) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        for version in versions:
            session.add_all(
                OutcomeFeedback(
                    assessment_id=f"stored-{version}-{n}",
                    version=version,
                    outcome=("resolved", "better", "same", "worse")[n % 4],
                    causes_json="[]",
                    tips_json="[]",
                    tips_followed_json="[]",
                    issued_at=now,
                    updated_at=now,
                )
                for n in range(per_version)
            )
        session.commit()


def test_a_feedback_reads_as_much_with_2000_stored_as_with_none(
    canary_client: TestClient, admin_headers: dict[str, str], database_url: str
) -> None:
    client = canary_client
    engine: Engine = client.app.state.services.engine  # type: ignore[attr-defined]
    canary = start_canary(client, admin_headers, 10)
    tokens = [_answer(client, canary) for _ in range(3)]
    # The first feedback on a version reads its bundle once (the order of its items).
    _statements_of_a_feedback(client, engine, tokens[0], "192.0.2.1")

    few = _statements_of_a_feedback(client, engine, tokens[1], "192.0.2.2")
    few_rows = _rows_returned(database_url, few)
    _store_feedback(engine, (1, canary), 1000)
    many = _statements_of_a_feedback(client, engine, tokens[2], "192.0.2.3")
    many_rows = _rows_returned(database_url, many)

    assert [sql for sql, _ in many] == [sql for sql, _ in few]
    assert many_rows == few_rows
    assert max(many_rows) <= 1, many_rows  # keyed reads only
