"""Writes decide on the database's state, never on a process's cached view.

Two apps share one database, as two workers or replicas do; the second never polls during
a test, so its cache still holds what it loaded at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


@pytest.fixture
def worker_a(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def worker_b(settings: Settings, worker_a: TestClient) -> Iterator[TestClient]:
    lagging = settings.model_copy(
        update={"content_poll_interval_s": 3600.0, "content_watch_interval_s": 0.0}
    )
    with TestClient(create_app(lagging)) as client:
        yield client


def _publish_new_version(client: TestClient, headers: dict[str, str]) -> int:
    draft = client.post("/v1/admin/content/versions", json={"base_version": 1}, headers=headers)
    assert draft.status_code == 201, draft.text
    version: int = draft.json()["version"]
    published = client.post(
        f"/v1/admin/content/versions/{version}/publish", json={}, headers=headers
    )
    assert published.status_code == 200, published.text
    return version


def _audit(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    page = client.get("/v1/admin/audit", headers=headers)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def test_a_draft_from_current_copies_what_another_worker_just_published(
    worker_a: TestClient, worker_b: TestClient, admin_headers: dict[str, str]
) -> None:
    published = _publish_new_version(worker_a, admin_headers)
    draft = worker_b.post("/v1/admin/content/versions", json={}, headers=admin_headers)
    assert draft.status_code == 201, draft.text
    assert draft.json()["base_version"] == published


def test_a_rollback_is_decided_on_the_database_pointer(
    worker_a: TestClient, worker_b: TestClient, admin_headers: dict[str, str]
) -> None:
    published = _publish_new_version(worker_a, admin_headers)
    # Worker B still holds version 1 as current; the database says `published`.
    back = worker_b.post(
        "/v1/admin/content/rollback", json={"to_version": 1}, headers=admin_headers
    )
    assert back.status_code == 200, back.text
    assert _audit(worker_b, admin_headers)[0]["details"]["previous_version"] == published
    again = worker_b.post(
        "/v1/admin/content/rollback", json={"to_version": 1}, headers=admin_headers
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "Version 1 is already current."


def test_a_publish_records_the_previous_version_the_database_had(
    worker_a: TestClient, worker_b: TestClient, admin_headers: dict[str, str]
) -> None:
    first = _publish_new_version(worker_a, admin_headers)
    _publish_new_version(worker_b, admin_headers)
    assert _audit(worker_b, admin_headers)[0]["details"]["previous_version"] == first


def test_every_worker_marks_the_same_version_current(
    worker_a: TestClient, worker_b: TestClient, admin_headers: dict[str, str]
) -> None:
    published = _publish_new_version(worker_a, admin_headers)
    for worker in (worker_a, worker_b):
        listing = worker.get("/v1/content/versions", headers=admin_headers).json()
        assert [v["version"] for v in listing if v["is_current"]] == [published]
        detail = worker.get(f"/v1/content/versions/{published}", headers=admin_headers)
        assert detail.json()["is_current"] is True


def test_a_client_that_has_seen_a_version_is_never_served_an_older_one(
    worker_a: TestClient, worker_b: TestClient, admin_headers: dict[str, str]
) -> None:
    published = _publish_new_version(worker_a, admin_headers)
    body = {"activity": {"type": "running", "duration_min": 30}}
    # Without the header, the lagging worker still serves what it loaded at start-up...
    assert worker_b.get("/v1/causes").json()["content_version"] == 1
    # ...but a client that has seen `published` is answered with it, by every route.
    seen = {"X-Content-Version-Seen": str(published)}
    assert (
        worker_b.post("/v1/assessments", json=body, headers=seen).json()["content_version"]
        == published
    )
    batch = {"items": [body]}
    answer = worker_b.post("/v1/assessments:batch", json=batch, headers=seen).json()
    assert answer["content_version"] == published
    assert worker_b.get("/v1/tips", headers=seen).json()["content_version"] == published


def test_a_rollback_seen_elsewhere_is_followed_although_its_number_is_lower(
    worker_a: TestClient, worker_b: TestClient, admin_headers: dict[str, str]
) -> None:
    published = _publish_new_version(worker_a, admin_headers)
    seen = {"X-Content-Version-Seen": str(published)}
    assert worker_b.get("/v1/causes", headers=seen).json()["content_version"] == published
    back = worker_a.post(
        "/v1/admin/content/rollback", json={"to_version": 1}, headers=admin_headers
    )
    assert back.status_code == 200, back.text
    # The client now holds version 1 from worker A; worker B still serves `published`.
    seen_again = {"X-Content-Version-Seen": "1"}
    assert worker_b.get("/v1/causes", headers=seen_again).json()["content_version"] == 1


@pytest.mark.parametrize("value", ["", "abc", "-1", "0x10", "9" * 10, "²".encode("latin-1")])
def test_a_seen_header_that_is_not_a_version_is_ignored(
    worker_b: TestClient, value: str | bytes
) -> None:
    body = {"activity": {"type": "running", "duration_min": 30}}
    headers = {"X-Content-Version-Seen": value}
    answer = worker_b.post("/v1/assessments", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert worker_b.get("/v1/causes", headers=headers).status_code == 200


def test_an_overlong_seen_header_is_refused_by_reads_and_ignored_by_assessments(
    worker_b: TestClient,
) -> None:
    """The spec bounds it at 10 characters: the reads hold it to that, the assessments
    never lose an answer to it."""
    headers = {"X-Content-Version-Seen": "9" * 11}
    body = {"activity": {"type": "running", "duration_min": 30}}
    assert worker_b.post("/v1/assessments", json=body, headers=headers).status_code == 200
    refused = worker_b.get("/v1/causes", headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in refused.json()["errors"]] == ["header.X-Content-Version-Seen"]
