"""The webhook admin routes: create (secret shown once), read, delete, refusals, audit."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.auth import service as keys
from app.auth.scopes import Scope
from app.webhooks.models import WebhookSubscription
from app.webhooks.service import sealing_key
from tests.webhooks.conftest import publish_new_draft, subscribe, wait_until
from tests.webhooks.receiver import Receiver
from tests.webhooks.reference import verify

HOOK = "http://127.0.0.1:9/hook"


def test_create_shows_the_secret_once_and_stores_it_sealed(
    wh_client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = wh_client.post(
        "/v1/admin/webhooks",
        json={"url": HOOK, "events": ["content.published", "content.rolled_back"]},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/admin/webhooks/{created['id']}"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["status"] == "active"
    assert created["events"] == ["content.published", "content.rolled_back"]

    shown = wh_client.get(f"/v1/admin/webhooks/{created['id']}", headers=admin_headers)
    listed = wh_client.get("/v1/admin/webhooks", headers=admin_headers)
    assert shown.status_code == 200 and listed.status_code == 200
    assert "secret" not in shown.json()
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    for body in (shown.text, listed.text):
        assert secret not in body and secret.removeprefix("whsec_") not in body

    engine = wh_client.app.state.services.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM webhook_subscription")).mappings().one()
    raw = json.dumps({k: str(v) for k, v in row.items()})
    assert secret.removeprefix("whsec_") not in raw
    assert row["secret_encrypted"].startswith("v1:")


def test_a_given_secret_is_kept(wh_client: TestClient, admin_headers: dict[str, str]) -> None:
    mine = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert subscribe(wh_client, admin_headers, HOOK, secret=mine)["secret"] == mine


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["content.published"]}, "url"),
        ({"url": "not a url", "events": ["content.published"]}, "url"),
        ({"url": "http://user:pw@example.com/", "events": ["content.published"]}, "url"),
        ({"url": HOOK, "events": []}, "events"),
        ({"url": HOOK, "events": ["content.deleted"]}, "events.0"),
        ({"url": HOOK, "events": ["content.published"], "secret": "plain"}, "secret"),
        ({"url": HOOK, "events": ["content.published"], "secret": "whsec_!!!"}, "secret"),
        ({"url": HOOK, "events": ["content.published"], "secret": "whsec_c2hvcnQ="}, "secret"),
        ({"events": ["content.published"]}, "url"),
    ],
)
def test_bad_requests_are_422_with_the_field(
    wh_client: TestClient, admin_headers: dict[str, str], body: dict[str, object], field: str
) -> None:
    response = wh_client.post("/v1/admin/webhooks", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["loc"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://localhost:8000/hook",  # a name that resolves to loopback
        "http://[::ffff:127.0.0.1]/hook",
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
        "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
    ],
)
def test_private_targets_are_refused(
    make_client: Callable[..., TestClient], admin_headers: dict[str, str], url: str
) -> None:
    client = make_client(webhook_allow_private_targets=False, webhook_worker_enabled=False)
    response = client.post(
        "/v1/admin/webhooks",
        json={"url": url, "events": ["content.published"]},
        headers=admin_headers,
    )
    assert response.status_code == 422, response.text
    assert [error["loc"] for error in response.json()["errors"]] == ["url"]
    assert client.get("/v1/admin/webhooks", headers=admin_headers).json()["items"] == []


def test_the_allow_switch_lets_private_targets_through(
    make_client: Callable[..., TestClient], admin_headers: dict[str, str]
) -> None:
    client = make_client(webhook_allow_private_targets=True, webhook_worker_enabled=False)
    assert subscribe(client, admin_headers, "http://localhost:9/hook")["url"].startswith("http")


def test_unresolvable_host_is_422(wh_client: TestClient, admin_headers: dict[str, str]) -> None:
    response = wh_client.post(
        "/v1/admin/webhooks",
        json={"url": "http://no-such-host.invalid/hook", "events": ["content.published"]},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == "url"


def test_without_a_secret_key_the_stored_key_seals_and_every_process_shares_it(
    make_client: Callable[..., TestClient],
    admin_headers: dict[str, str],
    receiver: Receiver,
) -> None:
    client = make_client(webhook_secret_key=None)
    other = make_client(webhook_secret_key=None)  # a second app: another process's view
    hook = client.post(
        "/v1/admin/webhooks",
        json={"url": receiver.url, "events": ["content.published"]},
        headers=admin_headers,
    )
    assert hook.status_code == 201, hook.text
    secret = hook.json()["secret"]
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        stored = sealing_key(session, None)
        assert sealing_key(session, None) == stored  # made once, then read
        row = session.get(WebhookSubscription, hook.json()["id"])
        assert row is not None and secret.encode() not in row.secret_encrypted.encode()
    assert (
        other.post(
            "/v1/admin/webhooks",
            json={"url": receiver.url, "events": ["content.rolled_back"]},
            headers=admin_headers,
        ).status_code
        == 201
    )
    publish_new_draft(client, admin_headers)
    wait_until(lambda: len(receiver.delivered()) == 1)
    got = receiver.delivered()[0]
    verify(secret, got.headers, got.body)  # unsealed with the stored key, by a worker


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("DELETE", ""), ("GET", "/deliveries")]
)
def test_unknown_ids_are_404(
    wh_client: TestClient, admin_headers: dict[str, str], method: str, suffix: str
) -> None:
    response = wh_client.request(
        method, f"/v1/admin/webhooks/wh_nothing{suffix}", headers=admin_headers
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_keys_and_scopes(wh_client: TestClient) -> None:
    engine = wh_client.app.state.services.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        reader = keys.create_key(session, "reader", frozenset({Scope.content_read}), actor="t")
        writer = keys.create_key(session, "writer", frozenset({Scope.content_write}), actor="t")
        session.commit()
    body = {"url": HOOK, "events": ["content.published"]}
    assert wh_client.post("/v1/admin/webhooks", json=body).status_code == 401
    assert wh_client.get("/v1/admin/webhooks").status_code == 401
    forbidden = wh_client.post(
        "/v1/admin/webhooks", json=body, headers={"Authorization": f"Bearer {reader}"}
    )
    assert forbidden.status_code == 403
    allowed = wh_client.post(
        "/v1/admin/webhooks", json=body, headers={"Authorization": f"Bearer {writer}"}
    )
    assert allowed.status_code == 201
    assert allowed.json()["created_by"] == "writer"


def test_create_and_delete_are_audited_and_deleted_hooks_keep_their_history(
    wh_client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = subscribe(wh_client, admin_headers, HOOK)
    deleted = wh_client.delete(f"/v1/admin/webhooks/{created['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    assert (
        wh_client.get(f"/v1/admin/webhooks/{created['id']}", headers=admin_headers).status_code
        == 404
    )
    assert wh_client.get("/v1/admin/webhooks", headers=admin_headers).json()["items"] == []
    history = wh_client.get(f"/v1/admin/webhooks/{created['id']}/deliveries", headers=admin_headers)
    assert history.status_code == 200 and history.json()["items"] == []
    again = wh_client.delete(f"/v1/admin/webhooks/{created['id']}", headers=admin_headers)
    assert again.status_code == 404

    audit = wh_client.get("/v1/admin/audit", headers=admin_headers).json()["items"]
    actions = [(e["action"], e["details"].get("webhook_id")) for e in audit]
    assert ("webhook_created", created["id"]) in actions
    assert ("webhook_deleted", created["id"]) in actions
    assert all(created["secret"] not in json.dumps(e) for e in audit)
