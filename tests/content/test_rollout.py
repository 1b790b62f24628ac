"""Staged rollout in one process: publish as a canary, bucketing, widen, promote, abort."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from app.content.rollout import bucket, in_canary
from app.content.schemas import RolloutStatus
from app.core.config import Settings
from app.main import create_app
from tests.content.rollout_helpers import (
    WORKOUT,
    check_consistent,
    marked_draft,
    reference_bucket,
    start_canary,
)

ROLLOUT = "/v1/admin/content/rollout"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on the default content, with the limiter on but out of the way."""
    roomy = settings.model_copy(update={"rate_limit_assess": "1000000/minute"})
    with TestClient(create_app(roomy), raise_server_exceptions=False) as test_client:
        yield test_client


def assess(client: TestClient, client_id: str, **params: Any) -> dict[str, Any]:
    answer = client.post(
        "/v1/assessments", json=WORKOUT, headers={"X-Client-ID": client_id}, params=params
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def audit_actions(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    page = client.get("/v1/admin/audit", headers=headers)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


@given(st.integers(min_value=1, max_value=2**31 - 1), st.text(max_size=40))
def test_bucket_follows_the_contract(canary: int, identity: str) -> None:
    assert bucket(canary, identity) == reference_bucket(canary, identity)


@given(st.text(max_size=40), st.integers(1, 98), st.integers(1, 98))
def test_widening_keeps_everyone_already_in(identity: str, low: int, step: int) -> None:
    high = min(99, low + step)
    if in_canary(7, low, identity):
        assert in_canary(7, high, identity)


@pytest.mark.parametrize("percent", [10, 50])
def test_share_of_1000_client_ids_is_near_the_percent(
    client: TestClient, admin_headers: dict[str, str], percent: int
) -> None:
    canary = start_canary(client, admin_headers, percent)
    served = [check_consistent(assess(client, f"user-{n}"), canary) for n in range(1000)]
    share = served.count(canary) / 10
    assert abs(share - percent) <= 4, share
    assert set(served) == {1, canary}


def test_a_client_keeps_its_version_and_widening_keeps_members(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 20)
    ids = [f"sticky-{n}" for n in range(200)]
    first = {i: assess(client, i)["content_version"] for i in ids}
    assert first == {i: assess(client, i)["content_version"] for i in ids}
    assert first == {
        i: canary if reference_bucket(canary, "client:" + i) < 2000 else 1 for i in ids
    }
    wider = client.post(ROLLOUT, json={"percent": 60}, headers=admin_headers)
    assert wider.status_code == 200, wider.text
    assert wider.json()["percent"] == 60
    after = {i: assess(client, i)["content_version"] for i in ids}
    assert all(after[i] == canary for i in ids if first[i] == canary)
    assert sum(v == canary for v in after.values()) > sum(v == canary for v in first.values())


def test_without_a_client_id_the_address_is_bucketed(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 50)
    expected = canary if reference_bucket(canary, "ip:testclient") < 5000 else 1
    for _ in range(3):
        answer = client.post("/v1/assessments", json=WORKOUT)
        assert check_consistent(answer.json(), canary) == expected


def test_pinned_versions_are_not_bucketed(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 99)
    for n in range(30):
        assert assess(client, f"pin-{n}", content_version=1)["content_version"] == 1
        assert assess(client, f"pin-{n}", content_version=canary)["content_version"] == canary


def test_batch_answers_are_bucketed_like_single_ones(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 50)
    for n in range(40):
        single = assess(client, f"batch-{n}")["content_version"]
        batch = client.post(
            "/v1/assessments:batch",
            json={"items": [WORKOUT]},
            headers={"X-Client-ID": f"batch-{n}"},
        )
        assert batch.status_code == 200, batch.text
        assert batch.json()["content_version"] == single
        assert check_consistent(batch.json()["results"][0], canary) == single


def test_get_rollout_shows_the_database_state(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    idle = client.get(ROLLOUT, headers=admin_headers)
    assert idle.status_code == 200, idle.text
    shown = idle.json()
    assert {key: shown[key] for key in RolloutStatus.model_fields} == {
        "running": False,
        "current_version": 1,
        "canary_version": None,
        "percent": None,
        "started_at": None,
    }
    assert shown["canary_outcomes"] is None
    assert shown["current_outcomes"]["feedback_count"] == 0
    canary = start_canary(client, admin_headers, 10)
    running = client.get(ROLLOUT, headers=admin_headers).json()
    assert running["running"] is True
    assert (running["current_version"], running["canary_version"]) == (1, canary)
    assert running["percent"] == 10 and running["started_at"] is not None


def test_promote_makes_the_canary_current_for_everyone(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 10)
    promoted = client.post(
        ROLLOUT, json={"action": "promote", "reason": "looks good"}, headers=admin_headers
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["current_version"] == canary
    assert promoted.json()["running"] is False
    assert {assess(client, f"p-{n}")["content_version"] for n in range(50)} == {canary}
    entries = audit_actions(client, admin_headers)
    assert [e["action"] for e in entries[:3]] == ["rollout_promote", "rollout_start", "publish"]
    assert entries[0]["version"] == canary and entries[0]["reason"] == "looks good"
    assert entries[0]["details"]["current_version"] == 1
    assert entries[2]["details"]["rollout_percent"] == 10


def test_abort_leaves_the_canary_published_and_pinnable(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 90)
    changed = client.post(ROLLOUT, json={"percent": 30}, headers=admin_headers)
    assert changed.status_code == 200, changed.text
    aborted = client.post(ROLLOUT, json={"action": "abort"}, headers=admin_headers)
    assert aborted.status_code == 200, aborted.text
    assert aborted.json()["current_version"] == 1 and aborted.json()["canary_version"] is None
    assert {assess(client, f"a-{n}")["content_version"] for n in range(50)} == {1}
    assert assess(client, "a-0", content_version=canary)["content_version"] == canary
    version = client.get(f"/v1/content/versions/{canary}")
    assert version.status_code == 200 and version.json()["status"] == "published"
    actions = [e["action"] for e in audit_actions(client, admin_headers)[:3]]
    assert actions == ["rollout_abort", "rollout_change", "rollout_start"]
    change = audit_actions(client, admin_headers)[1]["details"]
    assert (change["percent"], change["new_percent"]) == (90, 30)


def test_conflicts(client: TestClient, admin_headers: dict[str, str]) -> None:
    none = client.post(ROLLOUT, json={"action": "abort"}, headers=admin_headers)
    assert none.status_code == 409, none.text
    assert none.json()["detail"] == "No canary is being rolled out."
    canary = start_canary(client, admin_headers, 10)
    second = marked_draft(client, admin_headers)
    url = f"/v1/admin/content/versions/{second}/publish"
    for body in ({"rollout_percent": 5}, {}):
        refused = client.post(url, json=body, headers=admin_headers)
        assert refused.status_code == 409, refused.text
        assert f"Version {canary} is being rolled out" in refused.json()["detail"]
    back = client.post("/v1/admin/content/rollback", json={"to_version": 1}, headers=admin_headers)
    assert back.status_code == 409, back.text
    stale = client.post(
        ROLLOUT, json={"action": "promote", "canary_version": second}, headers=admin_headers
    )
    assert stale.status_code == 409, stale.text
    assert (
        client.get(f"/v1/content/versions/{second}", headers=admin_headers).json()["status"]
        == "draft"
    )
    assert client.get(ROLLOUT, headers=admin_headers).json()["canary_version"] == canary


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, "body"),
        ({"percent": 10, "action": "abort"}, "body"),
        ({"percent": 0}, "percent"),
        ({"percent": 100}, "percent"),
        ({"percent": "10"}, "percent"),
        ({"action": "finish"}, "action"),
    ],
)
def test_bad_rollout_changes_are_422_with_the_field(
    client: TestClient, admin_headers: dict[str, str], body: dict[str, Any], loc: str
) -> None:
    answer = client.post(ROLLOUT, json=body, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    assert loc in [e["loc"] for e in answer.json()["errors"]]


@pytest.mark.parametrize("percent", [0, 100, -5, 10.5])
def test_publish_refuses_a_rollout_percent_outside_1_to_99(
    client: TestClient, admin_headers: dict[str, str], percent: object
) -> None:
    draft = marked_draft(client, admin_headers)
    answer = client.post(
        f"/v1/admin/content/versions/{draft}/publish",
        json={"rollout_percent": percent},
        headers=admin_headers,
    )
    assert answer.status_code == 422, answer.text
    assert "rollout_percent" in [e["loc"] for e in answer.json()["errors"]]


def test_rollout_needs_keys_with_the_right_scope(client: TestClient) -> None:
    assert client.post(ROLLOUT, json={"action": "abort"}).status_code == 401
    assert client.get(ROLLOUT).status_code == 401


@pytest.mark.parametrize("action", ["promote", "abort"])
def test_no_mixed_answers_while_the_rollout_ends(
    client: TestClient, admin_headers: dict[str, str], action: str
) -> None:
    canary = start_canary(client, admin_headers, 50)
    stop = threading.Event()
    served: list[int] = []
    failures: list[BaseException] = []

    def fire(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                served.append(check_consistent(assess(client, f"c-{worker}-{n % 50}"), canary))
            except BaseException as exc:
                failures.append(exc)
                return

    threads = [threading.Thread(target=fire, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    while len(served) < 100 and not failures:
        stop.wait(0.01)
    ended = client.post(ROLLOUT, json={"action": action}, headers=admin_headers)
    done = len(served)
    while len(served) < done + 100 and not failures:
        stop.wait(0.01)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not failures, failures[0]
    assert ended.status_code == 200, ended.text
    assert set(served) == {1, canary}  # both served, never anything else or mixed
    final = canary if action == "promote" else 1
    assert {assess(client, f"c-0-{n}")["content_version"] for n in range(50)} == {final}
