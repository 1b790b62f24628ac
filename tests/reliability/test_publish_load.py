"""Publish and roll back, again and again, under concurrent assessments: zero errors, and
every answer wholly of one version.

Two real server processes share the database, as replicas would; the editor's publishes
and rollbacks go to the first, the load to both (the second follows through its poller).
Each published version gets its own text (a cause title ending in `[vN]`) and its own rules
(that cause's prior), so an answer that mixed two versions would show. After the load,
every answer is compared with the same workout assessed pinned to the version the answer
names (`?content_version=N` is deterministic): text, rules, tips, triage and the version
number must all agree.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import create_app
from tests.conftest import ADMIN_KEY, empty_database
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer
from tests.reliability.conftest import reliability_settings, report

ADMIN = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
WORKOUT = {
    "activity": {"type": "running", "duration_min": 150, "intensity_rpe": 9},
    "environment": {"temperature_c": 30},
    "symptoms": {"timing": "after", "body_parts": ["quadriceps"]},
}
LOAD_SECONDS = 6.0
CONCURRENCY = 8
CAUSE = "muscle_fatigue"
REPLICA_CATCH_UP_S = 3.0  # replicas follow a publish within a second; allow a loaded CI


def _fingerprint(body: dict[str, Any]) -> str:
    """The answer without its random id."""
    body = {k: v for k, v in body.items() if k != "assessment_id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _editor(base_url: str, stop: threading.Event, log: list[tuple[str, int, int, str]]) -> None:
    """Publish new versions and roll back to earlier ones until told to stop."""
    published = [1]
    current = 1
    with httpx.Client(base_url=base_url, headers=ADMIN, timeout=30) as http:
        step = 0
        while not stop.is_set():
            step += 1
            if step % 3 == 0 and len(published) > 1:
                earlier = [v for v in published if v != current]
                target = earlier[-1] if step % 2 else earlier[0]
                response = http.post("/v1/admin/content/rollback", json={"to_version": target})
                log.append(("rollback", target, response.status_code, response.text[:300]))
                current = target
                continue
            draft = http.post("/v1/admin/content/versions", json={"base_version": 1})
            draft.raise_for_status()
            version = draft.json()["version"]
            path = f"/v1/admin/content/versions/{version}"
            http.patch(
                f"{path}/causes/{CAUSE}",
                json={"text": {"en": {"title": f"Muscle fatigue [v{version}]"}}},
            ).raise_for_status()
            http.patch(
                f"{path}/rules/{CAUSE}", json={"prior": round(-0.5 + 0.15 * (version % 9), 2)}
            ).raise_for_status()
            response = http.post(
                f"{path}/publish", json={"force": True, "reason": "publish under load"}
            )
            log.append(("publish", version, response.status_code, response.text[:300]))
            if response.status_code == 200:
                published.append(version)
                current = version


async def _load(urls: list[str], deadline: float) -> tuple[Counter[str], dict[int, set[str]]]:
    outcomes: Counter[str] = Counter()
    seen: dict[int, set[str]] = defaultdict(set)
    limits = httpx.Limits(max_connections=CONCURRENCY * 2)
    async with httpx.AsyncClient(timeout=10, limits=limits) as http:

        async def worker(url: str) -> None:
            while time.monotonic() < deadline:
                try:
                    response = await http.post(f"{url}/v1/assessments", json=WORKOUT)
                except httpx.HTTPError as exc:
                    outcomes[f"error:{type(exc).__name__}"] += 1
                    continue
                if response.status_code != 200:
                    outcomes[f"status:{response.status_code}"] += 1
                    continue
                body = response.json()
                outcomes["ok"] += 1
                seen[body["content_version"]].add(_fingerprint(body))

        await asyncio.gather(*(worker(urls[i % len(urls)]) for i in range(CONCURRENCY)))
    return outcomes, seen


def _pinned_answer(http: httpx.Client, version: int) -> dict[str, Any]:
    """The replica's answer pinned to `version`, once its poller has caught up: the last
    publish may have landed on the editor's server a moment before the load stopped."""
    deadline = time.monotonic() + REPLICA_CATCH_UP_S
    while True:
        pinned = http.post(f"/v1/assessments?content_version={version}", json=WORKOUT)
        if pinned.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert pinned.status_code == 200, pinned.text
    body: dict[str, Any] = pinned.json()
    return body


@pytest.mark.e2e
@pytest.mark.slow
def test_answers_stay_whole_while_content_is_published_and_rolled_back(
    start_live: Callable[..., LiveServer],
) -> None:
    env = {
        "RATE_LIMIT_ASSESS": "1000000/minute",
        "RATE_LIMIT_CONTENT_WRITE": "1000000/minute",
        "CONTENT_POLL_INTERVAL_S": "0.1",
    }
    editor_server = start_live(**env)
    replica = start_live(**env)
    started = time.monotonic()

    stop = threading.Event()
    log: list[tuple[str, int, int, str]] = []
    editor = threading.Thread(target=_editor, args=(editor_server.url, stop, log))
    editor.start()
    try:
        outcomes, seen = asyncio.run(
            _load([editor_server.url, replica.url], time.monotonic() + LOAD_SECONDS)
        )
    finally:
        stop.set()
        editor.join(30)

    publishes = [entry for entry in log if entry[0] == "publish"]
    rollbacks = [entry for entry in log if entry[0] == "rollback"]
    served = sum(outcomes.values())
    errors = served - outcomes["ok"]
    report(
        "publish_under_load",
        requests=served,
        errors=errors,
        outcomes=dict(outcomes),
        publishes=len(publishes),
        rollbacks=len(rollbacks),
        versions_seen=sorted(seen),
        seconds=round(time.monotonic() - started, 1),
    )
    assert errors == 0, outcomes
    assert [entry for entry in log if entry[2] != 200] == []
    assert len(publishes) >= 3 and len(rollbacks) >= 1, log
    assert len(seen) >= 3, sorted(seen)  # the answers really did span several versions

    with httpx.Client(base_url=replica.url, timeout=10) as http:
        references = {version: _pinned_answer(http, version) for version in seen}
    for version, fingerprints in seen.items():
        reference = references[version]
        # Every answer naming version N is exactly version N's answer: text, rules, tips.
        assert fingerprints == {_fingerprint(reference)}, version
        assert reference["content_version"] == version
        titles = {c["id"]: c["title"] for c in reference["causes"]}
        if version > 1:
            assert titles.get(CAUSE, "").endswith(f"[v{version}]"), titles
    scores = {
        v: next(c["score"] for c in r["causes"] if c["id"] == CAUSE) for v, r in references.items()
    }
    assert len(set(scores.values())) > 1, scores  # the rules differed between versions too


def test_admin_writes_are_committed_before_the_answer_is_sent(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 201 means committed: otherwise a client could read its own write back as 404 (seen
    under load on PostgreSQL) or be told of a write that then failed to commit."""
    empty_database(database_url)
    # The webhook sender commits its lease from a thread of its own: not this request's commit.
    app = create_app(reliability_settings(database_url, webhook_worker_enabled=False))
    events: list[str] = []
    commit = Session.commit

    def recording_commit(self: Session) -> None:
        commit(self)
        events.append("commit")

    async def recording_app(scope: Any, receive: Any, send: Any) -> None:
        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                events.append(f"answer {message['status']}")
            await send(message)

        await app(scope, receive, recording_send)

    with TestClient(recording_app) as client:
        monkeypatch.setattr(Session, "commit", recording_commit)
        events.clear()
        response = client.post(
            "/v1/admin/content/versions",
            json={"notes": "ordering"},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
    assert response.status_code == 201
    assert events[:2] == ["commit", "answer 201"], events
