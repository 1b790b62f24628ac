"""Rate limits: per key (or per client address), per scope, in memory or shared in Redis."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import service as key_service
from app.auth.scopes import Scope
from app.core import ratelimit
from app.core.ratelimit import Bucket, MemoryLimiter, end_user_id, parse_quota
from app.main import create_app
from tests.conftest import ADMIN_KEY, empty_database
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer
from tests.reliability.conftest import reliability_settings

WORKOUT = {"activity": {"type": "running", "duration_min": 40}}
# Limits in tests are per day: windows are aligned to the clock, and a test that straddled
# the end of a minute would see its counter start again.
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def limited(database_url: str) -> Iterator[Callable[..., TestClient]]:
    """Start the app with the given settings (fresh database each time)."""
    stack = ExitStack()

    def start(**overrides: Any) -> TestClient:
        empty_database(database_url)
        client = TestClient(
            create_app(reliability_settings(database_url, **overrides)),
            raise_server_exceptions=False,
        )
        return stack.enter_context(client)

    with stack:
        yield start


def _rate_headers(response: httpx.Response) -> tuple[int, int, int]:
    return (
        int(response.headers["RateLimit-Limit"]),
        int(response.headers["RateLimit-Remaining"]),
        int(response.headers["RateLimit-Reset"]),
    )


def test_429_problem_with_retry_after_and_ratelimit_headers(
    limited: Callable[..., TestClient],
) -> None:
    client = limited(rate_limit_assess="3/day")
    remaining = []
    for _ in range(3):
        response = client.post("/v1/assessments", json=WORKOUT)
        assert response.status_code == 200
        limit, left, reset = _rate_headers(response)
        assert limit == 3 and 1 <= reset <= 86_400
        remaining.append(left)
    assert remaining == [2, 1, 0]

    refused = client.post("/v1/assessments", json=WORKOUT)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["status"] == 429 and problem["type"].endswith("/rate-limited")
    assert "3/day" in problem["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 86_400
    assert _rate_headers(refused)[:2] == (3, 0)
    # The batch route shares the assess bucket; other scopes have their own.
    assert client.post("/v1/assessments:batch", json={"items": [WORKOUT]}).status_code == 429
    assert client.get("/v1/causes").status_code == 200
    # Another client address has its own counter.
    other = TestClient(client.app, client=("203.0.113.9", 4000))
    assert other.post("/v1/assessments", json=WORKOUT).status_code == 200


def test_every_scope_has_its_own_configurable_limit(limited: Callable[..., TestClient]) -> None:
    client = limited(
        rate_limit_content_read="2/day",
        rate_limit_content_write="2/day",
        rate_limit_admin="1/day",
    )
    assert [client.get("/v1/tips").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/metrics").status_code == 429  # metrics count as reads
    assert client.get("/healthz").status_code == 200  # probes are never limited
    assert client.get("/readyz").status_code == 200

    drafts = [client.post("/v1/admin/content/versions", json={}, headers=ADMIN) for _ in range(3)]
    assert [r.status_code for r in drafts] == [201, 201, 429]
    assert _rate_headers(drafts[0])[0] == 2

    audits = [client.get("/v1/admin/audit", headers=ADMIN).status_code for _ in range(2)]
    assert audits == [200, 429]


def test_limits_are_per_key_when_keys_are_required(limited: Callable[..., TestClient]) -> None:
    client = limited(require_api_keys=True, rate_limit_assess="2/day")
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        first = key_service.create_key(session, "app-one", frozenset({Scope.assess}), "test")
        second = key_service.create_key(session, "app-two", frozenset({Scope.assess}), "test")
        session.commit()

    def assess(key: str) -> int:
        headers = {"Authorization": f"Bearer {key}"}
        return client.post("/v1/assessments", json=WORKOUT, headers=headers).status_code

    assert [assess(first) for _ in range(3)] == [200, 200, 429]
    assert [assess(second) for _ in range(2)] == [200, 200]  # same address, other key


def test_wrong_keys_are_limited_per_address(limited: Callable[..., TestClient]) -> None:
    """Guessing keys is limited too: failed attempts count against the client address."""
    client = limited(rate_limit_content_write="3/day")
    bad = {"Authorization": "Bearer tg_deadbeef_guess"}
    statuses = [
        client.post("/v1/admin/content/versions", json={}, headers=bad).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # A valid key is counted on its own.
    assert client.post("/v1/admin/content/versions", json={}, headers=ADMIN).status_code == 201


def test_rate_limiting_can_be_switched_off(limited: Callable[..., TestClient]) -> None:
    client = limited(rate_limit_enabled=False, rate_limit_assess="1/day")
    for _ in range(3):
        response = client.post("/v1/assessments", json=WORKOUT)
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers


def test_windows_follow_the_clock_and_stale_counters_are_swept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [60 * 16_666_667 + 20.0]  # 20 s into a minute
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    limiter = MemoryLimiter({bucket: parse_quota("2/minute") for bucket in Bucket})
    assert [limiter.count(Bucket.assess, "ip:a")[1] for _ in range(3)] == [1, 2, 3]
    assert ratelimit.seconds_to_reset(limiter.count(Bucket.assess, "ip:a")) == 40
    now[0] += 40  # the next minute starts: counting begins again
    assert limiter.count(Bucket.assess, "ip:a")[1] == 1

    monkeypatch.setattr(ratelimit, "_SWEEP_AT", 100)
    limiter = MemoryLimiter({bucket: parse_quota("2/minute") for bucket in Bucket})
    for i in range(150):  # a flood of addresses in one window: all live, nothing to drop
        limiter.count(Bucket.assess, f"ip:{i}")
    assert len(limiter._counts) == 150
    now[0] += 60
    for i in range(60):  # new callers in the next window trigger a sweep of the stale ones
        limiter.count(Bucket.assess, f"ip:next-{i}")
    assert len(limiter._counts) <= 60


def test_bad_limit_settings_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="rate"):
        reliability_settings("sqlite://", rate_limit_assess="many per minute")


def test_openapi_documents_429_on_every_limited_operation(module_client: TestClient) -> None:
    spec = module_client.get("/openapi.json").json()
    unlimited = {"/healthz", "/readyz"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path in unlimited:
                continue
            assert "429" in operation["responses"], f"{method.upper()} {path}"


# --- Redis -----------------------------------------------------------------------------------


def test_redis_limit_is_shared_between_app_instances(
    limited: Callable[..., TestClient], redis_url: str, redis_prefix: str
) -> None:
    """Two apps (as two processes would) on one Redis share one counter per caller."""
    shared = {
        "redis_url": redis_url,
        "rate_limit_prefix": redis_prefix,
        "rate_limit_assess": "4/day",
    }
    first = limited(**shared)
    second = TestClient(create_app(first.app.state.services.settings))  # type: ignore[attr-defined]
    with second:
        statuses = [
            (first if i % 2 == 0 else second).post("/v1/assessments", json=WORKOUT).status_code
            for i in range(6)
        ]
        assert statuses == [200, 200, 200, 200, 429, 429]
        refused = second.post("/v1/assessments", json=WORKOUT)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert _rate_headers(refused)[:2] == (4, 0)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_unreachable_redis_fails_open(limited: Callable[..., TestClient]) -> None:
    """A Redis outage must not take the API down: requests are served, unlimited."""
    client = limited(
        redis_url="redis://127.0.0.1:9/0", rate_limit_assess="1/day", log_level="WARNING"
    )
    records = _Records()
    logging.getLogger("app.ratelimit").addHandler(records)
    try:
        started = time.perf_counter()
        responses = [client.post("/v1/assessments", json=WORKOUT) for _ in range(5)]
        elapsed = time.perf_counter() - started
    finally:
        logging.getLogger("app.ratelimit").removeHandler(records)
    assert [r.status_code for r in responses] == [200] * 5
    assert all("RateLimit-Limit" not in r.headers for r in responses)
    assert elapsed < 3
    warnings = [r for r in records.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request


@pytest.mark.e2e
def test_two_server_processes_share_the_limit_in_redis(
    start_live: Callable[..., LiveServer], redis_url: str, redis_prefix: str
) -> None:
    env = {
        "REDIS_URL": redis_url,
        "RATE_LIMIT_PREFIX": redis_prefix,
        "RATE_LIMIT_ASSESS": "6/day",
    }
    one = start_live(**env)
    two = start_live(**env)
    statuses = []
    with httpx.Client(timeout=10) as http:
        for i in range(8):
            server = one if i % 2 == 0 else two
            statuses.append(http.post(f"{server.url}/v1/assessments", json=WORKOUT).status_code)
        audit = http.get(
            f"{one.url}/v1/admin/audit", headers={"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
        )
    assert statuses == [200] * 6 + [429] * 2
    assert audit.status_code == 200 and int(audit.headers["RateLimit-Remaining"]) >= 0


# --- batches ---------------------------------------------------------------------------------


def _batch(size: int) -> dict[str, Any]:
    return {"items": [WORKOUT] * size}


def test_a_batch_counts_each_item(limited: Callable[..., TestClient]) -> None:
    """100 items are 100 assessments against the quota, not one request."""
    client = limited(rate_limit_assess="10/day")
    first = client.post("/v1/assessments:batch", json=_batch(4))
    assert first.status_code == 200 and _rate_headers(first)[:2] == (10, 6)

    too_many = client.post("/v1/assessments:batch", json=_batch(7))
    assert too_many.status_code == 429
    assert too_many.headers["content-type"] == "application/problem+json"
    assert 1 <= int(too_many.headers["Retry-After"]) <= 86_400
    assert "7" in too_many.json()["detail"]
    # The refused batch cost one request, not its seven items.
    assert _rate_headers(too_many)[:2] == (10, 5)

    assert client.post("/v1/assessments:batch", json=_batch(5)).status_code == 200
    assert client.post("/v1/assessments", json=WORKOUT).status_code == 429


def test_a_batch_larger_than_the_whole_quota_is_refused(
    limited: Callable[..., TestClient],
) -> None:
    client = limited(rate_limit_assess="20/day")
    refused = client.post("/v1/assessments:batch", json=_batch(100))
    assert refused.status_code == 429
    assert "at most 20 items" in refused.json()["detail"]
    assert client.post("/v1/assessments:batch", json=_batch(19)).status_code == 200


def test_a_batch_counts_each_item_in_redis(
    limited: Callable[..., TestClient], redis_url: str, redis_prefix: str
) -> None:
    client = limited(
        redis_url=redis_url, rate_limit_prefix=redis_prefix, rate_limit_assess="10/day"
    )
    assert _rate_headers(client.post("/v1/assessments:batch", json=_batch(8)))[:2] == (10, 2)
    refused = client.post("/v1/assessments:batch", json=_batch(3))
    assert refused.status_code == 429 and _rate_headers(refused)[:2] == (10, 1)
    assert client.post("/v1/assessments", json=WORKOUT).status_code == 200


def _as_user(user: str, key: str | None = None) -> dict[str, str]:
    headers = {"X-Client-ID": user}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def test_each_end_user_of_a_key_has_a_share_within_the_keys_limit(
    limited: Callable[..., TestClient],
) -> None:
    """An app that serves many users with one key names each in X-Client-ID: a user gets
    their own limit, and naming users (or new ones) never lets the key past its own."""
    client = limited(
        require_api_keys=True, rate_limit_assess="5/day", rate_limit_assess_per_client="2/day"
    )
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        key = key_service.create_key(session, "fitness-app", frozenset({Scope.assess}), "test")
        session.commit()

    def assess(user: str) -> httpx.Response:
        return client.post("/v1/assessments", json=WORKOUT, headers=_as_user(user, key))

    assert [assess("user-a").status_code for _ in range(3)] == [200, 200, 429]
    second = assess("user-b")
    # The headers tell the tighter limit: user-b has 1 left of 2, the key 2 of 5.
    assert second.status_code == 200 and _rate_headers(second)[:2] == (2, 1)
    assert assess("user-b").status_code == 200
    # user-a's refused third request did not use up the key: 4 of 5 are counted.
    assert assess("user-c").status_code == 200
    assert assess("user-d").status_code == 429  # the key's own limit holds for every user
    plain = client.post("/v1/assessments", json=WORKOUT, headers={"Authorization": f"Bearer {key}"})
    assert plain.status_code == 429


def test_end_users_share_a_batch_and_a_refused_batch_gives_their_share_back(
    limited: Callable[..., TestClient],
) -> None:
    client = limited(rate_limit_assess="7/day", rate_limit_assess_per_client="4/day")

    def batch(size: int, user: str) -> int:
        return client.post(
            "/v1/assessments:batch", json=_batch(size), headers=_as_user(user)
        ).status_code

    assert batch(3, "u1") == 200  # u1 3 of 4, the address 3 of 7
    assert batch(2, "u1") == 429  # over u1's share: costs u1 and the address one request
    # u2's 4 fit its share but not what the address has left (3): refused, and u2's items
    # are given back with the address's, so a batch of 2 still fits both.
    assert batch(4, "u2") == 429
    assert batch(2, "u2") == 200
    assert client.post("/v1/assessments", json=WORKOUT, headers=_as_user("u3")).status_code == 429


def test_a_client_id_that_is_not_one_is_ignored(limited: Callable[..., TestClient]) -> None:
    """A malformed X-Client-ID counts only against the caller, never fails the request."""
    client = limited(rate_limit_assess="4/day", rate_limit_assess_per_client="1/day")
    for value in ("", "has space", "x" * 129):
        response = client.post("/v1/assessments", json=WORKOUT, headers={"X-Client-ID": value})
        assert response.status_code == 200, value
        assert _rate_headers(response)[0] == 4  # the address's limit: no share was counted
    assert end_user_id("app-user_42:abc") == "app-user_42:abc"
    assert end_user_id("tab\there") is None and end_user_id(None) is None
