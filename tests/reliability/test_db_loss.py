"""The database goes away and comes back: the service keeps answering from memory meanwhile.

On PostgreSQL the app reaches the database through a TCP proxy that the test cuts (every
connection reset, new ones refused) and restores: the failure of a lost network path. On
SQLite, an embedded file, the failure is the file becoming inaccessible (its volume gone):
the test closes the process's connections and puts a directory where the file was, so that
every new connection fails, then puts the file back.

While the database is away: assessments and reads of the current content are served from
memory, /readyz answers 503 with a reason, admin writes and database-backed reads answer a
clear 503 problem with Retry-After, quickly. When it returns, the service recovers by itself.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.auth import service as key_service
from app.auth.scopes import Scope
from app.main import create_app
from tests.conftest import ADMIN_KEY, empty_database
from tests.reliability.conftest import TcpProxy, assert_no_leak, reliability_settings, report

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
WORKOUT = {
    "activity": {"type": "cycling", "duration_min": 120},
    "environment": {"temperature_c": 33},
}


class Outage:
    """How to lose and restore this backend's database, and the URL the app must use."""

    def __init__(self, url: str, cut: Callable[[TestClient], None], restore: Callable[[], None]):
        self.url = url
        self._cut = cut
        self._restore = restore
        self.client: TestClient | None = None

    def cut(self) -> None:
        assert self.client is not None
        self._cut(self.client)

    def restore(self) -> None:
        self._restore()


@pytest.fixture
def outage(database_url: str, tmp_path: Path) -> Iterator[Outage]:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        empty_database(database_url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        through = url.set(host="127.0.0.1", port=proxy.port)
        yield Outage(
            through.render_as_string(hide_password=False),
            cut=lambda _client: proxy.cut(),
            restore=proxy.restore,
        )
        proxy.close()
        return

    db = tmp_path / "loss.db"
    moved = tmp_path / "moved"
    moved.mkdir()

    def cut(client: TestClient) -> None:
        services = client.app.state.services  # type: ignore[attr-defined]
        # every engine's open connection would go on reading the moved file's inode
        services.engine.dispose()
        services.follower.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{db}{suffix}")
            if path.exists():
                os.replace(path, moved / path.name)
        db.mkdir()  # where the file was: every new connection now fails to open it

    def restore() -> None:
        shutil.rmtree(db)
        for path in moved.iterdir():
            os.replace(path, tmp_path / path.name)

    yield Outage(f"sqlite:///{db}", cut=cut, restore=restore)


def _wait_for(client: TestClient, status: int, timeout: float = 10) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/readyz")
        if response.status_code == status:
            body: dict[str, object] = response.json()
            return body
        assert time.monotonic() < deadline, f"/readyz stayed {response.status_code}"
        time.sleep(0.05)


def _assert_503_problem(response: object, *, within: float) -> None:
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    problem = response.json()
    assert problem["status"] == 503 and "database" in problem["detail"].lower()
    assert_no_leak(response.text)
    assert response.elapsed.total_seconds() < within


@pytest.mark.slow
def test_the_service_survives_losing_its_database(outage: Outage) -> None:
    settings = reliability_settings(
        outage.url, content_poll_interval_s=0.1, sqlite_busy_timeout_ms=500
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        outage.client = client
        engine = client.app.state.services.engine  # type: ignore[attr-defined]
        with Session(engine) as session:
            stored_key = key_service.create_key(
                session, "editor", frozenset({Scope.content_write}), "test"
            )
            session.commit()
        assert _wait_for(client, 200)["status"] == "ready"
        before = client.post("/v1/assessments", json=WORKOUT).json()

        outage.cut()
        started = time.monotonic()
        readiness = _wait_for(client, 503)
        assert readiness["status"] == "degraded" and readiness["database"] == "unreachable"
        assert "database unreachable" in str(readiness["reason"])
        noticed_s = time.monotonic() - started

        served = 0
        for _ in range(20):
            answer = client.post("/v1/assessments", json=WORKOUT)
            assert answer.status_code == 200
            body = answer.json()
            assert body["content_version"] == before["content_version"]
            assert body["causes"] == before["causes"] and body["triage"] == before["triage"]
            served += 1
        for path in ("/v1/causes", "/v1/tips", "/v1/faqs", "/v1/causes/dehydration"):
            assert client.get(path).status_code == 200, path
            assert client.get(f"{path}?content_version=1").status_code == 200, path
        batch = client.post("/v1/assessments:batch", json={"items": [WORKOUT, WORKOUT]})
        assert batch.status_code == 200

        _assert_503_problem(
            client.post("/v1/admin/content/versions", json={}, headers=ADMIN), within=6
        )
        _assert_503_problem(
            client.post("/v1/admin/content/rollback", json={"to_version": 1}, headers=ADMIN),
            within=6,
        )
        _assert_503_problem(client.get("/v1/admin/audit", headers=ADMIN), within=6)
        _assert_503_problem(client.get("/v1/content/versions"), within=6)
        # A stored key cannot be checked without the database: 503, not a misleading 401.
        stored = {"Authorization": f"Bearer {stored_key}"}
        _assert_503_problem(
            client.post("/v1/admin/content/versions", json={}, headers=stored), within=6
        )

        outage.restore()
        started = time.monotonic()
        assert _wait_for(client, 200)["status"] == "ready"
        recovered_s = time.monotonic() - started
        draft = client.post("/v1/admin/content/versions", json={}, headers=ADMIN)
        assert draft.status_code == 201, draft.text
        version = draft.json()["version"]
        published = client.post(f"/v1/admin/content/versions/{version}/publish", headers=ADMIN)
        assert published.status_code == 200, published.text
        assert client.post("/v1/assessments", json=WORKOUT).json()["content_version"] == version
        report(
            "db_loss",
            backend=make_url(outage.url).get_backend_name(),
            degraded_after_s=round(noticed_s, 2),
            assessments_served_while_down=served,
            recovered_after_s=round(recovered_s, 2),
        )
