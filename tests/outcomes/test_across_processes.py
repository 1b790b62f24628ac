"""Live servers: an id issued by one worker or replica is accepted by feedback to any other.

Without ASSESSMENT_ID_SECRET each process reads the key stored in the database (the first
to start makes it), so every worker of a server, and every replica, signs alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import scratch_database
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer
from tests.outcomes.conftest import WORKOUT


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    with scratch_database(database_url, "outcomes", tmp_path) as url:
        env = {"OUTCOMES_FLUSH_INTERVAL_S": "0.2"}
        two_workers = LiveServer(database_url=url, workers=2, env_extra=env)
        replica = LiveServer(database_url=url, workers=1, env_extra=env)
        try:
            two_workers.start(timeout=30)
            replica.start(timeout=30)
            yield two_workers, replica
        finally:
            two_workers.stop()
            replica.stop()


@pytest.mark.e2e
def test_ids_verify_across_workers_and_replicas(two_servers: tuple[LiveServer, LiveServer]) -> None:
    server, replica = two_servers
    # A fresh connection per request: the kernel spreads them over the server's two workers,
    # so with a key per process about half of the feedback would be refused.
    ids = []
    for _ in range(12):
        answer = httpx.post(f"{server.url}/v1/assessments", json=WORKOUT, timeout=10)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["assessment_id"])
    for n, assessment_id in enumerate(ids):
        target = (server, replica)[n % 2]
        response = httpx.post(
            f"{target.url}/v1/assessments/{assessment_id}/feedback",
            json={"outcome": "better"},
            timeout=10,
        )
        assert response.status_code == 202, (n, response.text)
    headers = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
    report = httpx.get(
        f"{replica.url}/v1/admin/content/versions/1/outcomes", headers=headers, timeout=10
    ).json()
    assert report["overall"]["feedback_count"] == 12
    assert report["overall"]["outcomes"]["better"]["rate"] == 1.0
