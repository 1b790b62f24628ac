"""Staged rollout across two live replicas: `tremor-guide serve` processes on one database.

Each follows the pointer through its own poller; a caller gets the same version from both,
and each follows a rollout change made through the other within a bounded time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.content.rollout_helpers import (
    WORKOUT,
    check_consistent,
    reference_bucket,
    start_canary,
)
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer, e2e_database_url, start_server

__all__ = ["e2e_database_url", "start_server"]  # fixtures

HEADERS = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
FOLLOW_BUDGET_S = 2.0  # the poller checks every 0.25 s; the budget allows a starved CPU
IDS = [f"replica-user-{n}" for n in range(150)]


def served(client: httpx.Client, client_id: str, canary: int) -> int:
    answer = client.post("/v1/assessments", json=WORKOUT, headers={"X-Client-ID": client_id})
    assert answer.status_code == 200, answer.text
    return check_consistent(answer.json(), canary)


def wait_until_serving(client: httpx.Client, client_id: str, canary: int, version: int) -> float:
    """Seconds until the replica serves `version` to this caller (bounded)."""
    started = time.monotonic()
    while served(client, client_id, canary) != version:
        assert time.monotonic() - started < FOLLOW_BUDGET_S, f"not following {version}"
        time.sleep(0.02)
    return time.monotonic() - started


def test_two_replicas_bucket_alike_and_follow_each_other(
    start_server: Callable[..., LiveServer],
) -> None:
    env = {"RATE_LIMIT_ASSESS": "1000000/minute"}
    a = start_server(**env)
    b = start_server(**env)
    with (
        httpx.Client(base_url=a.url, timeout=10) as on_a,
        httpx.Client(base_url=b.url, timeout=10) as on_b,
    ):
        canary = start_canary(on_a, HEADERS, 30)
        inside = next(i for i in IDS if reference_bucket(canary, "client:" + i) < 3000)
        outside = next(i for i in IDS if reference_bucket(canary, "client:" + i) >= 3000)
        wait_until_serving(on_b, inside, canary, canary)
        assert served(on_b, outside, canary) == 1

        first = {i: served(on_a, i, canary) for i in IDS}
        assert first == {i: served(on_b, i, canary) for i in IDS}
        assert first == {i: served(on_a, i, canary) for i in IDS}  # sticky between requests
        assert {canary, 1} == set(first.values())

        wider = on_b.post("/v1/admin/content/rollout", json={"percent": 80}, headers=HEADERS)
        assert wider.status_code == 200, wider.text
        newcomer = next(i for i in IDS if 3000 <= reference_bucket(canary, "client:" + i) < 8000)
        wait_until_serving(on_a, newcomer, canary, canary)
        after = {i: served(on_a, i, canary) for i in IDS}
        assert after == {i: served(on_b, i, canary) for i in IDS}
        assert all(after[i] == canary for i in IDS if first[i] == canary)

        promoted = on_a.post(
            "/v1/admin/content/rollout", json={"action": "promote"}, headers=HEADERS
        )
        assert promoted.status_code == 200, promoted.text
        last = next(i for i in IDS if reference_bucket(canary, "client:" + i) >= 8000)
        wait_until_serving(on_b, last, canary, canary)
        assert {served(on_b, i, canary) for i in IDS} == {canary}
        status = on_b.get("/v1/admin/content/rollout", headers=HEADERS).json()
        assert (status["running"], status["current_version"]) == (False, canary)
