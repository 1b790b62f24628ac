"""Consistency with many processes: the default `tremor-guide serve` (a worker per core) and
two replicas on one database, driven from outside with a fresh connection per request, so
that consecutive requests land on different processes.

The processes poll slowly here (and the SQLite change watch is off where a test says so), so
any decision taken on a process's cached view would show: each round counts stale draft
bases, wrong "already current" refusals, wrong audit entries, disagreeing version lists and
answers older than a version the client declared it had seen. Every count must be 0.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer
from tests.reliability.conftest import report

pytestmark = pytest.mark.e2e

ADMIN = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
ROUNDS = 6
BODY = {"activity": {"type": "running", "duration_min": 30}}


class Client:
    """A client that spreads its requests over `urls`, one new connection each, and tracks
    the last content version it was answered with (sent back as X-Content-Version-Seen)."""

    def __init__(self, urls: list[str]) -> None:
        self._urls: Iterator[str] = itertools.cycle(urls)
        self.seen: int | None = None

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        url = next(self._urls) + path
        return httpx.request(method, url, headers=ADMIN, json=body, timeout=15, **kwargs)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = self.call(method, path, body)
        assert response.is_success, response.text
        return response.json()

    def served_version(self, path: str) -> int:
        headers = {"X-Content-Version-Seen": str(self.seen)} if self.seen else {}
        url = next(self._urls) + path
        if path == "/v1/assessments":
            response = httpx.post(url, json=BODY, headers=headers, timeout=15)
        else:
            response = httpx.get(url, headers=headers, timeout=15)
        assert response.is_success, response.text
        version: int = response.json()["content_version"]
        self.seen = version
        return version


def _publish_copy(client: Client, title: str) -> int:
    version: int = client.ok("POST", "/v1/admin/content/versions", {"base_version": 1})["version"]
    patch = {"text": {"en": {"title": title}}}
    client.ok("PATCH", f"/v1/admin/content/versions/{version}/causes/dehydration", patch)
    client.ok("POST", f"/v1/admin/content/versions/{version}/publish", {})
    return version


def _last_audit(client: Client) -> dict[str, Any]:
    entry: dict[str, Any] = client.ok("GET", "/v1/admin/audit?limit=1")["items"][0]
    return entry


def drive(client: Client) -> Counter[str]:
    """Rounds of publish, draft, rollback and reads; the defects each one would show."""
    defects: Counter[str] = Counter(
        {
            name: 0
            for name in (
                "stale_bases",
                "wrong_409s",
                "wrong_audit",
                "disagreeing_lists",
                "older_than_seen",
            )
        }
    )
    current = 1
    for n in range(ROUNDS):
        published = _publish_copy(client, f"Dehydration, round {n}")
        client.seen = published  # the app learnt it from the publish's answer
        if _last_audit(client)["details"].get("previous_version") != current:
            defects["wrong_audit"] += 1
        current = published
        # A draft "from current" right after the publish, made by whichever process answers.
        draft = client.ok("POST", "/v1/admin/content/versions", {})
        if draft["base_version"] != published:
            defects["stale_bases"] += 1
        client.call("DELETE", f"/v1/admin/content/versions/{draft['version']}")
        for _ in range(3):
            listing = client.ok("GET", "/v1/content/versions")
            if [v["version"] for v in listing if v["is_current"]] != [current]:
                defects["disagreeing_lists"] += 1
        for path in ("/v1/causes", "/v1/assessments", "/v1/tips") * 3:
            if client.served_version(path) != current:
                defects["older_than_seen"] += 1
        # Back to version 1: never refused as "already current" by a process that lags.
        back = client.call("POST", "/v1/admin/content/rollback", {"to_version": 1})
        if back.status_code == 409:
            defects["wrong_409s"] += 1
        elif _last_audit(client)["details"].get("previous_version") != published:
            defects["wrong_audit"] += 1
        current = client.seen = 1
        for path in ("/v1/causes", "/v1/assessments") * 3:
            if client.served_version(path) != current:
                defects["older_than_seen"] += 1
    return defects


def _all_serve(urls: list[str], version: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if all(
            httpx.get(f"{url}/v1/causes", timeout=5).json()["content_version"] == version
            for url in urls
            for _ in range(4)
        ):
            return True
        time.sleep(0.05)
    return False


def test_the_default_server_decides_every_write_on_the_database(
    start_server: Callable[..., LiveServer],
) -> None:
    # The default worker count; polls every 5 s and no change watch: only the database can
    # tell a worker what another one just did.
    server = start_server(workers=None, CONTENT_POLL_INTERVAL_S="5", CONTENT_WATCH_INTERVAL_S="0")
    defects = drive(Client([server.url]))
    report("many_processes_default_server", rounds=ROUNDS, **defects)
    assert sum(defects.values()) == 0, defects


def test_two_replicas_agree_and_follow_the_pointer_within_two_seconds(
    start_server: Callable[..., LiveServer],
) -> None:
    a = start_server(CONTENT_POLL_INTERVAL_S="5", CONTENT_WATCH_INTERVAL_S="0")
    b = start_server(CONTENT_POLL_INTERVAL_S="5", CONTENT_WATCH_INTERVAL_S="0")
    defects = drive(Client([a.url, b.url]))
    report("many_processes_two_replicas", rounds=ROUNDS, **defects)
    assert sum(defects.values()) == 0, defects


def test_replicas_at_the_default_poll_are_on_the_current_version_within_two_seconds(
    start_server: Callable[..., LiveServer],
) -> None:
    a = start_server()
    b = start_server()
    client = Client([a.url])
    for n in range(3):
        version = _publish_copy(client, f"Dehydration, replica round {n}")
        assert _all_serve([a.url, b.url], version, within_s=2.0), f"off {version} after 2 s"


def test_the_sqlite_change_watch_brings_a_publish_to_every_worker_at_once(
    start_server: Callable[..., LiveServer], is_postgres: bool
) -> None:
    """With a 30 s poll, only the change watch can bring the publish within the budget. The
    budget allows for a loaded CI machine (a worker starved of the CPU for a second or two,
    as beside kotlinc): every publish within 4 s, most within 1 s."""
    if is_postgres:
        pytest.skip("the change watch is SQLite's; PostgreSQL replicas follow by polling")
    server = start_server(workers=None, CONTENT_POLL_INTERVAL_S="30")
    client = Client([server.url])
    lags = []
    for n in range(5):
        version = _publish_copy(client, f"Dehydration, watched round {n}")
        published_at = time.monotonic()
        # Fresh connections, spread over the workers by the kernel, until 20 answers in a
        # row serve the publish; the lag is the time of the last answer that did not.
        answers: list[tuple[float, int]] = []
        while len(answers) < 20 or any(v != version for _, v in answers[-20:]):
            assert time.monotonic() - published_at < 4.0, "a worker did not follow in 4 s"
            got = httpx.get(f"{server.url}/v1/causes", timeout=5).json()["content_version"]
            answers.append((time.monotonic(), got))
        stale = [t for t, v in answers if v != version]
        lags.append(max(stale) - published_at if stale else 0.0)
    report("sqlite_change_watch_lag_s", lags=[round(lag, 3) for lag in lags])
    print(f"\nlast answer of the previous version, seconds after the publish: {lags}")
    assert sorted(lags)[len(lags) // 2] < 1.0, lags  # the median
