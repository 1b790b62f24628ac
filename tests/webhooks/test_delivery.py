"""Deliveries end to end in one process: a real receiver checks every signature."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.config import Settings
from app.webhooks import outbox
from app.webhooks.schemas import ContentPublishedData
from app.webhooks.signing import seal
from app.webhooks.worker import PER_SUBSCRIPTION, WebhookWorker, retry_delay
from tests.webhooks.conftest import publish_new_draft, subscribe, wait_until
from tests.webhooks.receiver import Receiver, trickling_receiver
from tests.webhooks.reference import Unverified, verify


def deliveries(client: TestClient, headers: dict[str, str], hook: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/admin/webhooks/{hook}/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def count(client: TestClient, table: str) -> int:
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_publish_is_delivered_signed(
    wh_client: TestClient, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    hook = subscribe(wh_client, admin_headers, receiver.url)
    version = publish_new_draft(wh_client, admin_headers)
    wait_until(lambda: len(receiver.delivered()) == 1)
    got = receiver.delivered()[0]
    verify(hook["secret"], got.headers, got.body)
    with pytest.raises(Unverified):
        verify(hook["secret"], got.headers, got.body + b" ")
    with pytest.raises(Unverified):
        verify("whsec_" + "A" * 44, got.headers, got.body)
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")
    payload = json.loads(got.body)
    assert payload["type"] == "content.published"
    assert payload["data"]["version"] == version
    assert payload["data"]["previous_version"] == 1
    # The body is the documented one (the spec's `webhooks`), times written as the API does.
    assert payload["timestamp"].endswith("Z"), payload["timestamp"]
    assert set(payload["data"]) == set(ContentPublishedData.model_fields)
    assert payload["data"]["rollout_percent"] is None
    wait_until(lambda: deliveries(wh_client, admin_headers, hook["id"])[0]["status"] == "delivered")
    [delivery] = deliveries(wh_client, admin_headers, hook["id"])
    assert delivery["event_id"] == got.headers["webhook-id"]
    assert delivery["attempt_count"] == 1 and delivery["attempts"][0]["status_code"] == 204


def test_a_failed_try_is_retried_then_delivered(
    wh_client: TestClient, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    receiver.answer = lambda before: 500 if len(before) < 2 else 200
    hook = subscribe(wh_client, admin_headers, receiver.url, "content.rolled_back")
    publish_new_draft(wh_client, admin_headers)  # not listened to
    rolled = wh_client.post(
        "/v1/admin/content/rollback", json={"to_version": 1}, headers=admin_headers
    )
    assert rolled.status_code == 200, rolled.text
    wait_until(lambda: len(receiver.delivered()) == 1)
    tries = receiver.all()
    assert [t.answered for t in tries] == [500, 500, 200]
    assert len({t.headers["webhook-id"] for t in tries}) == 1  # the same message each time
    assert len({t.body for t in tries}) == 1
    for attempt in tries:
        verify(hook["secret"], attempt.headers, attempt.body)
    assert json.loads(tries[0].body)["type"] == "content.rolled_back"
    wait_until(lambda: deliveries(wh_client, admin_headers, hook["id"])[0]["status"] == "delivered")
    [delivery] = deliveries(wh_client, admin_headers, hook["id"])
    assert [a["status_code"] for a in delivery["attempts"]] == [200, 500, 500]  # newest first
    assert delivery["attempt_count"] == 3


def test_a_delivery_gives_up_after_its_time_and_the_hook_recovers(
    make_client: Callable[..., TestClient], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    client = make_client(webhook_max_age_s=0.5)
    receiver.answer = lambda _before: 503
    hook = subscribe(client, admin_headers, receiver.url)
    publish_new_draft(client, admin_headers)
    wait_until(lambda: deliveries(client, admin_headers, hook["id"])[0]["status"] == "failed")
    shown = client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin_headers).json()
    assert shown["status"] == "failing" and shown["failing_since"] is not None
    [failed] = deliveries(client, admin_headers, hook["id"])
    assert failed["attempt_count"] == len(failed["attempts"]) >= 2
    assert failed["last_status"] == 503 and failed["next_attempt_at"] is None

    receiver.answer = lambda _before: 200
    publish_new_draft(client, admin_headers)
    wait_until(lambda: len(receiver.delivered()) == 1)
    wait_until(
        lambda: (
            client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin_headers).json()["status"]
            == "active"
        )
    )


def test_no_event_for_a_publish_that_rolls_back(
    wh_client: TestClient,
    admin_headers: dict[str, str],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscribe(wh_client, admin_headers, receiver.url)
    real_enqueue = outbox.enqueue

    def enqueue_then_fail(*args: Any, **kwargs: Any) -> None:
        real_enqueue(*args, **kwargs)
        raise RuntimeError("the publish fails after its event was written")

    monkeypatch.setattr(outbox, "enqueue", enqueue_then_fail)
    draft = wh_client.post("/v1/admin/content/versions", json={}, headers=admin_headers).json()
    failed = wh_client.post(
        f"/v1/admin/content/versions/{draft['version']}/publish", json={}, headers=admin_headers
    )
    assert failed.status_code == 500
    assert count(wh_client, "webhook_event") == 0
    assert count(wh_client, "webhook_delivery") == 0
    monkeypatch.undo()
    publish_new_draft(wh_client, admin_headers)  # a publish that does commit: one event
    assert count(wh_client, "webhook_event") == 1
    wait_until(lambda: len(receiver.delivered()) == 1)


def test_deleting_a_hook_stops_its_pending_deliveries(
    make_client: Callable[..., TestClient], admin_headers: dict[str, str], receiver: Receiver
) -> None:
    client = make_client(webhook_worker_enabled=False)
    hook = subscribe(client, admin_headers, receiver.url)
    publish_new_draft(client, admin_headers)
    assert deliveries(client, admin_headers, hook["id"])[0]["status"] == "pending"
    client.delete(f"/v1/admin/webhooks/{hook['id']}", headers=admin_headers)
    [delivery] = deliveries(client, admin_headers, hook["id"])
    assert delivery["status"] == "failed" and delivery["last_error"]
    assert receiver.all() == []


def run_worker_once(engine: Any, settings: Settings, holder: str = "test") -> int:
    async def once() -> int:
        worker = WebhookWorker(engine, settings, holder=holder)
        async with worker.client() as http:
            return await worker.run_once(http)

    return asyncio.run(once())


def test_a_target_that_turned_private_is_refused_at_delivery(
    make_client: Callable[..., TestClient],
    webhook_settings: Settings,
    admin_headers: dict[str, str],
    receiver: Receiver,
) -> None:
    """DNS rebinding: the check runs again before every try, not only at creation."""
    client = make_client(webhook_worker_enabled=False)
    hook = subscribe(client, admin_headers, receiver.url)
    publish_new_draft(client, admin_headers)
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    strict = webhook_settings.model_copy(update={"webhook_allow_private_targets": False})
    assert run_worker_once(engine, strict) == 1
    [delivery] = deliveries(client, admin_headers, hook["id"])
    assert delivery["status"] == "pending"
    assert "target refused" in delivery["attempts"][0]["error"]
    assert "loopback" in delivery["attempts"][0]["error"]
    assert receiver.all() == []


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("[2002:7f00:1::]", "loopback"),  # 6to4 of 127.0.0.1
        ("[64:ff9b::a9fe:a9fe]", "169.254.169.254"),  # NAT64 of 169.254.169.254
        ("[64:ff9b:1::a00:1]", "NAT64"),
        ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "Teredo"),
    ],
)
def test_ipv4_in_ipv6_forms_are_refused_at_delivery(
    make_client: Callable[..., TestClient],
    webhook_settings: Settings,
    admin_headers: dict[str, str],
    host: str,
    why: str,
) -> None:
    """Created while private targets were allowed, refused before the try once they are not."""
    client = make_client(webhook_worker_enabled=False)
    hook = subscribe(client, admin_headers, f"http://{host}:9/hook")
    publish_new_draft(client, admin_headers)
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    strict = webhook_settings.model_copy(update={"webhook_allow_private_targets": False})
    assert run_worker_once(engine, strict) == 1
    [delivery] = deliveries(client, admin_headers, hook["id"])
    error = delivery["attempts"][0]["error"]
    assert error.startswith("target refused") and why in error, error


def test_only_the_lease_holder_sends(
    make_client: Callable[..., TestClient],
    webhook_settings: Settings,
    admin_headers: dict[str, str],
    receiver: Receiver,
) -> None:
    client = make_client(webhook_worker_enabled=False)
    subscribe(client, admin_headers, receiver.url)
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    publish_new_draft(client, admin_headers)
    assert run_worker_once(engine, webhook_settings, holder="a") == 1
    publish_new_draft(client, admin_headers)
    assert run_worker_once(engine, webhook_settings, holder="b") == 0  # a holds it
    assert run_worker_once(engine, webhook_settings, holder="a") == 1  # renewed by its holder
    assert len(receiver.delivered()) == 2


def test_two_workers_competing_deliver_each_event_once(
    make_client: Callable[..., TestClient],
    webhook_settings: Settings,
    admin_headers: dict[str, str],
    receiver: Receiver,
) -> None:
    client = make_client(webhook_worker_enabled=False)
    hooks = [subscribe(client, admin_headers, receiver.url + f"/{i}") for i in range(2)]
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    events = 6

    async def compete() -> None:
        workers = [WebhookWorker(engine, webhook_settings, holder=h) for h in ("a", "b")]
        tasks = [asyncio.create_task(w.run_forever()) for w in workers]
        try:
            for _ in range(events):
                await asyncio.to_thread(publish_new_draft, client, admin_headers)
            while len(receiver.delivered()) < events * len(hooks):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # time for a duplicate to show up, if any would
        finally:
            for worker, task in zip(workers, tasks, strict=True):
                await worker.stop(task)

    asyncio.run(asyncio.wait_for(compete(), 60))
    sent = [(r.path, r.headers["webhook-id"]) for r in receiver.all()]
    assert len(sent) == len(set(sent)) == events * len(hooks)


SENDERS = ("a", "b")  # two replicas' workers on one database


@pytest.mark.parametrize("headers_done", [True, False], ids=["trickled-body", "trickled-headers"])
def test_a_trickling_receiver_holds_up_no_one_and_nothing_is_sent_twice(
    make_client: Callable[..., TestClient],
    webhook_settings: Settings,
    admin_headers: dict[str, str],
    receiver: Receiver,
    headers_done: bool,
) -> None:
    """Two senders on one database (two replicas), a receiver that answers 200 and then
    trickles a byte every 1.5 s (or trickles its headers), and a healthy one: each event
    reaches the healthy receiver within 5 s of its publish, exactly once, and the lease the
    rounds renew keeps the other sender from trying the same delivery again."""
    client = make_client(webhook_worker_enabled=False)
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    # A short lease: a round stuck on the trickle would let it lapse within the test.
    settings = webhook_settings.model_copy(update={"webhook_lease_s": 2.0})
    events = 3
    with trickling_receiver(headers_done=headers_done) as slow:
        slow_hook = subscribe(client, admin_headers, slow.url)
        subscribe(client, admin_headers, receiver.url)

        async def two_senders() -> None:
            workers = [WebhookWorker(engine, settings, holder=h) for h in SENDERS]
            tasks = [asyncio.create_task(w.run_forever()) for w in workers]
            try:
                for published in range(1, events + 1):
                    await asyncio.to_thread(publish_new_draft, client, admin_headers)
                    # The promise, from the publish's commit to the receiver.
                    await asyncio.to_thread(
                        wait_until, lambda n=published: len(receiver.delivered()) >= n, 5.0
                    )
                # Past a lease and a whole try: a duplicate, if any would come, has come.
                await asyncio.sleep(settings.webhook_lease_s + 0.5)
            finally:
                for worker, task in zip(workers, tasks, strict=True):
                    await worker.stop(task)

        asyncio.run(asyncio.wait_for(two_senders(), 60))
    healthy = [r.headers["webhook-id"] for r in receiver.all()]
    assert len(healthy) == len(set(healthy)) == events
    tried = deliveries(client, admin_headers, slow_hook["id"])
    assert len(tried) == events
    if headers_done:  # its 200 is its answer, whatever its body does after
        assert sorted(slow.ids()) == sorted(healthy)
        assert all(d["status"] == "delivered" and d["attempt_count"] == 1 for d in tried)
    else:  # never answered: cut off at the deadline, and tried again later, not meanwhile
        errors = [a["error"] for d in tried for a in d["attempts"]]
        assert errors and all(e == "no answer within 1 s" for e in errors)
        # No try it saw went unrecorded (a second sender's), but those the stops cut short:
        # a stopped sender hands its lease over at once, so the other may start its own
        # tries before it is stopped in turn, up to PER_SUBSCRIPTION each.
        assert len(slow.ids()) <= len(errors) + PER_SUBSCRIPTION * len(SENDERS)


def test_retry_delays_grow_with_full_jitter() -> None:
    for attempts in range(1, 12):
        ceiling = min(60.0, 0.5 * 2 ** (attempts - 1))
        delays = [retry_delay(attempts, 0.5, 60.0) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # spread over the range, not a fixed step


def test_every_rollout_change_is_delivered_signed(
    wh_client: TestClient, admin_headers: dict[str, str], receiver: Receiver
) -> None:
    from tests.content.rollout_helpers import start_canary

    hook = subscribe(wh_client, admin_headers, receiver.url, "content.rollout_changed")
    canary = start_canary(wh_client, admin_headers, 10)
    for change in ({"percent": 40}, {"action": "promote"}):
        done = wh_client.post("/v1/admin/content/rollout", json=change, headers=admin_headers)
        assert done.status_code == 200, done.text
    start_canary(wh_client, admin_headers, 5)
    aborted = wh_client.post(
        "/v1/admin/content/rollout", json={"action": "abort"}, headers=admin_headers
    )
    assert aborted.status_code == 200, aborted.text
    wait_until(lambda: len(receiver.delivered()) == 5)
    events = []
    for got in receiver.delivered():
        verify(hook["secret"], got.headers, got.body)
        events.append(json.loads(got.body))
    assert {event["type"] for event in events} == {"content.rollout_changed"}
    events.sort(key=lambda event: event["timestamp"])  # sent concurrently: any order
    actions = sorted(event["data"]["action"] for event in events)
    assert actions == ["abort", "change", "promote", "start", "start"]
    by_action = {event["data"]["action"]: event["data"] for event in events}
    assert by_action["change"] == {**by_action["change"], "canary_version": canary, "percent": 40}
    promoted = by_action["promote"]
    assert promoted["current_version"] == canary
    assert promoted["canary_version"] is None and promoted["percent"] is None
    assert by_action["abort"]["canary_version"] is None


def test_a_secret_that_cannot_be_unsealed_marks_the_hook_failing_once(
    wh_client: TestClient,
    admin_headers: dict[str, str],
    receiver: Receiver,
    webhook_log: list[str],
) -> None:
    """A webhook sealed under another WEBHOOK_SECRET_KEY (from before fingerprints were
    kept): its first delivery marks it failing with the reason, and the retries that follow
    log nothing more."""
    hook = subscribe(wh_client, admin_headers, receiver.url)
    engine = wh_client.app.state.services.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE webhook_subscription SET secret_encrypted = :sealed, "
                "key_fingerprint = NULL WHERE id = :id"
            ),
            {"sealed": seal(os.urandom(32), hook["secret"], hook["id"]), "id": hook["id"]},
        )
    publish_new_draft(wh_client, admin_headers)
    wait_until(lambda: deliveries(wh_client, admin_headers, hook["id"])[0]["attempt_count"] >= 3)
    shown = wh_client.get(f"/v1/admin/webhooks/{hook['id']}", headers=admin_headers).json()
    assert shown["status"] == "failing" and shown["failing_since"] is not None
    assert "WEBHOOK_SECRET_KEY" in shown["failure_reason"]
    [delivery] = deliveries(wh_client, admin_headers, hook["id"])
    assert "another WEBHOOK_SECRET_KEY" in delivery["last_error"]
    assert len([m for m in webhook_log if "cannot be delivered" in m]) == 1
    assert receiver.all() == []
