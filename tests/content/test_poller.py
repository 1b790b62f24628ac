"""The follower: shared refreshes, catching up with a client, and the SQLite change watch."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.content import poller
from app.content.cache import ContentCache
from app.content.poller import ContentFollower
from app.core.config import Settings
from app.core.db import change_watch
from app.services import Services
from tests.content.rollout_helpers import start_canary


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def test_concurrent_callers_share_one_refresh_that_started_after_them(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(client)
    follower = ContentFollower(ContentCache(), services.read_engine)
    calls: list[float] = []
    real = poller.refresh_once

    def slow_refresh(cache: ContentCache, engine: object) -> None:
        if cache is follower.cache:  # the app's own follower runs beside this one
            calls.append(time.monotonic())
            time.sleep(0.05)
        real(cache, services.read_engine)

    monkeypatch.setattr(poller, "refresh_once", slow_refresh)

    async def scenario() -> None:
        first = asyncio.create_task(follower.refresh())
        await asyncio.sleep(0.01)  # the first refresh is under way
        # Arrived after it started: it cannot satisfy them, one more refresh serves all ten.
        await asyncio.gather(first, *(follower.refresh() for _ in range(10)))

    asyncio.run(scenario())
    assert len(calls) == 2
    assert follower.cache.current_version == 1


def test_catch_up_reads_only_when_the_client_saw_another_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(client)
    follower = ContentFollower(ContentCache(), services.read_engine)
    asyncio.run(follower.refresh())
    calls = []
    real = poller.refresh_once

    def counted(cache: ContentCache, engine: object) -> None:
        if cache is follower.cache:
            calls.append(1)
        real(cache, services.read_engine)

    monkeypatch.setattr(poller, "refresh_once", counted)
    asyncio.run(follower.catch_up(1))
    assert calls == []
    asyncio.run(follower.catch_up(7))
    assert calls == [1]


def test_catch_up_does_not_read_for_a_caller_of_the_running_canary(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(client, admin_headers, 10)
    services = _services(client)
    follower = ContentFollower(ContentCache(), services.read_engine)
    asyncio.run(follower.refresh())
    assert (follower.cache.current_version, follower.cache.canary_version) == (1, canary)
    calls = []
    real = poller.refresh_once

    def counted(cache: ContentCache, engine: object) -> None:
        if cache is follower.cache:
            calls.append(1)
        real(cache, services.read_engine)

    monkeypatch.setattr(poller, "refresh_once", counted)
    for seen in (1, canary):
        asyncio.run(follower.catch_up(seen))
    assert calls == []
    asyncio.run(follower.catch_up(canary + 1))
    assert calls == [1]


def test_the_change_watch_sees_another_connection_commit(
    settings: Settings, is_postgres: bool, admin_headers: dict[str, str]
) -> None:
    if is_postgres:
        assert change_watch(settings) is None
        return
    from app.main import create_app

    # The webhook sender takes its lease (a write) every poll: off, so that only this test's
    # own request writes between the two reads below.
    quiet = settings.model_copy(update={"webhook_worker_enabled": False})
    watch = change_watch(quiet)
    assert watch is not None
    try:
        with TestClient(create_app(quiet)) as client:
            before = watch.version()
            assert watch.version() == before  # reading never counts as a change
            response = client.post("/v1/admin/content/versions", json={}, headers=admin_headers)
            assert response.status_code == 201
            assert watch.version() != before
    finally:
        watch.close()


def test_a_publish_through_another_app_is_followed_within_the_watch_interval(
    client: TestClient, settings: Settings, is_postgres: bool, admin_headers: dict[str, str]
) -> None:
    """Two apps on one SQLite file, as two workers: with the poll interval an hour, only the
    change watch can bring the other's publish."""
    if is_postgres:
        pytest.skip("the change watch is SQLite's")
    from app.main import create_app

    slow_poll = settings.model_copy(update={"content_poll_interval_s": 60.0})
    with TestClient(create_app(slow_poll)) as other:
        draft = client.post("/v1/admin/content/versions", json={}, headers=admin_headers)
        version = draft.json()["version"]
        published = client.post(
            f"/v1/admin/content/versions/{version}/publish", json={}, headers=admin_headers
        )
        assert published.status_code == 200, published.text
        started = time.monotonic()
        while other.get("/v1/causes").json()["content_version"] != version:
            assert time.monotonic() - started < 1.0, "the other app did not follow in 1 s"
            time.sleep(0.005)


def test_a_burst_of_publishes_costs_the_follower_one_compile(
    client: TestClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted, not timed (issue 27, defect 10): a follower that missed five publishes
    compiles only the version the pointer names before it follows; the others (only a
    pinned `content_version` asks for them) come one per check once the pointer is still.
    It compiled all five first: seconds on a loaded machine, with 20 of them."""
    services = _services(client)
    follower = ContentFollower(ContentCache(), services.read_engine)
    asyncio.run(follower.refresh())
    assert follower.cache.current_version == 1
    published = []
    for _ in range(5):
        draft = client.post("/v1/admin/content/versions", json={}, headers=admin_headers)
        version = draft.json()["version"]
        done = client.post(
            f"/v1/admin/content/versions/{version}/publish", json={}, headers=admin_headers
        )
        assert done.status_code == 200, done.text
        published.append(version)
    compiled: list[int] = []
    real = poller.load_version

    def counted(row: Any) -> Any:
        compiled.append(row.version)
        return real(row)

    monkeypatch.setattr(poller, "load_version", counted)
    asyncio.run(follower.refresh())
    assert follower.cache.current_version == published[-1]
    assert compiled == [published[-1]]
    asyncio.run(follower.refresh())  # the pointer has just moved: still nothing else
    assert compiled == [published[-1]]
    # A request pinned to one of them has it loaded on the spot; a made-up number costs nothing.
    for pinned in (published[1], 99_999):
        asyncio.run(follower.load_pinned(pinned))
    assert compiled == [published[-1], published[1]]
    assert follower.cache.get(published[1]).version == published[1]
    monkeypatch.setattr(poller, "OTHERS_AFTER_STILL_S", 0.0)
    for _ in range(3):
        asyncio.run(follower.refresh())
    rest = [v for v in reversed(published[:-1]) if v != published[1]]
    assert compiled == [published[-1], published[1], *rest]  # newest first, one each
    assert not follower.cache.lacks_published
    asyncio.run(follower.refresh())
    assert len(compiled) == 5  # nothing left to load
    follower.close()
