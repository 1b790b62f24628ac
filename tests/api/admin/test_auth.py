"""Every admin route refuses no key, a wrong key and a key without the scope.

The routes are enumerated from the app, so a new admin route cannot be forgotten.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.auth import service as keys
from app.auth.scopes import Scope
from app.content.poller import refresh_once
from app.core.config import Settings
from app.main import create_app


def admin_routes() -> list[tuple[str, str]]:
    """Every admin operation the app exposes (read from the spec it builds from its routes)."""
    app = create_app(Settings(_env_file=None, database_url="sqlite://"))  # type: ignore[call-arg]
    found = []
    for template, operations in app.openapi()["paths"].items():
        if not template.startswith("/v1/admin"):
            continue
        path = re.sub(r"\{kind\}", "tips", template)
        path = re.sub(r"\{[a-z_]+\}", "1", path)
        if "diff" in path:
            path += "?from=1&to=1"
        found.extend((method.upper(), path) for method in sorted(operations))
    assert len(found) >= 9
    return found


ROUTES = admin_routes()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_admin_routes_need_the_right_key(
    client: TestClient, make_key: Callable[..., str], method: str, path: str
) -> None:
    missing = client.request(method, path)
    assert missing.status_code == 401, (method, path)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"] == "application/problem+json"

    wrong = client.request(method, path, headers={"Authorization": "Bearer tg_nope_nope"})
    assert wrong.status_code == 401
    assert "tg_nope_nope" not in wrong.text

    # The outcomes report is an admin read (content:read is enough); the rest need more.
    lacking = (Scope.assess,) if path.endswith("/outcomes") else (Scope.assess, Scope.content_read)
    reader = make_key(*lacking)
    forbidden = client.request(method, path, headers={"Authorization": f"Bearer {reader}"})
    assert forbidden.status_code == 403, (method, path)


def test_a_content_write_key_works_and_revocation_takes_effect(
    client: TestClient, make_key: Callable[..., str]
) -> None:
    key = make_key(Scope.content_write)
    headers = {"Authorization": f"Bearer {key}"}
    created = client.post("/v1/admin/content/versions", json={}, headers=headers)
    assert created.status_code == 201
    # The audit log needs admin.
    assert client.get("/v1/admin/audit", headers=headers).status_code == 403


def test_keys_are_stored_hashed(client: TestClient, make_key: Callable[..., str]) -> None:
    from sqlmodel import Session, select

    from app.auth.models import ApiKey

    key = make_key(Scope.admin)
    with Session(client.app.state.services.engine) as session:  # type: ignore[attr-defined]
        rows = session.exec(select(ApiKey)).all()
    assert rows and all(key not in (r.key_hash, r.prefix, r.name) for r in rows)
    assert all(len(r.key_hash) == 64 for r in rows)


def test_reads_and_assessments_need_keys_when_required(settings: Settings) -> None:
    strict = settings.model_copy(update={"require_api_keys": True})
    with TestClient(create_app(strict)) as client:
        assert client.get("/v1/causes").status_code == 401
        body = {"activity": {"type": "running", "duration_min": 30}}
        assert client.post("/v1/assessments", json=body).status_code == 401
        admin = {"Authorization": "Bearer test-admin-key-0123456789"}
        assert client.get("/v1/causes", headers=admin).status_code == 200
        assert client.post("/v1/assessments", json=body, headers=admin).status_code == 200


def test_a_draft_read_with_a_new_key_never_waits_on_its_own_session(
    client: TestClient,
    make_key: Callable[..., str],
    new_draft: Callable[..., dict[str, object]],
) -> None:
    """The key is checked before the route's session reads the draft: on SQLite that session
    holds the write lock, and a key lookup in a second session waited on it for the whole
    busy timeout (then 503), leaving the store unwritable meanwhile."""
    draft = new_draft()
    fresh = make_key(Scope.content_write)  # not yet remembered by the verifier
    started = time.monotonic()
    response = client.get(
        f"/v1/content/versions/{draft['version']}", headers={"Authorization": f"Bearer {fresh}"}
    )
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 2.0

    reader = make_key(Scope.content_read)
    refused = client.get(
        f"/v1/content/versions/{draft['version']}", headers={"Authorization": f"Bearer {reader}"}
    )
    assert refused.status_code == 403
    anonymous = client.get(f"/v1/content/versions/{draft['version']}")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def writer_holding_the_lock(settings: Settings, is_postgres: bool) -> Iterator[None]:
    """Another process's write transaction, open on the SQLite file for the whole test."""
    if is_postgres:
        pytest.skip("SQLite's database-wide write lock")
    path = make_url(settings.database_url).database
    assert path
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


# Waiting on the writer would take the whole busy timeout (5 s by default): anything well
# under it shows no wait, however loaded the machine (a tighter bound failed under load).
NO_WAIT_S = Settings.model_fields["sqlite_busy_timeout_ms"].default / 1000 / 2


def test_reads_never_wait_on_a_write_lock(
    client: TestClient,
    make_key: Callable[..., str],
    new_draft: Callable[..., dict[str, object]],
    admin_headers: dict[str, str],
    request: pytest.FixtureRequest,
) -> None:
    """Reads (routes, key checks, the poller) begin DEFERRED on SQLite: beside a writer they
    read the last committed state at once. They began IMMEDIATE and waited the whole busy
    timeout for the writer, then answered 503."""
    draft = new_draft()
    fresh = make_key(Scope.content_write)  # its check is a database read too
    request.getfixturevalue("writer_holding_the_lock")
    auth = {"Authorization": f"Bearer {fresh}"}
    services = client.app.state.services  # type: ignore[attr-defined]
    for read in (
        lambda: client.get(f"/v1/content/versions/{draft['version']}", headers=auth),
        lambda: client.get("/v1/content/versions", headers=auth),
        lambda: client.get("/v1/admin/audit", headers=admin_headers),
    ):
        started = time.monotonic()
        response = read()
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < NO_WAIT_S
    started = time.monotonic()
    refresh_once(services.cache, services.read_engine)
    assert services.cache.degraded_reason is None
    assert time.monotonic() - started < NO_WAIT_S


def _keyed(client: TestClient, *scopes: Scope) -> dict[str, str]:
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        key = keys.create_key(session, f"k-{'-'.join(scopes)}", frozenset(scopes), actor="test")
        session.commit()
    return {"Authorization": f"Bearer {key}"}


def test_metrics_need_a_metrics_key_when_keys_are_required(settings: Settings) -> None:
    strict = settings.model_copy(update={"require_api_keys": True})
    with TestClient(create_app(strict)) as client:
        missing = client.get("/metrics")
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
        reader = _keyed(client, Scope.content_read, Scope.assess)
        assert client.get("/metrics", headers=reader).status_code == 403
        scraper = _keyed(client, Scope.metrics)
        assert client.get("/metrics", headers=scraper).status_code == 200
        # A metrics key reads nothing else.
        assert client.get("/v1/causes", headers=scraper).status_code == 403
        admin = {"Authorization": "Bearer test-admin-key-0123456789"}
        assert client.get("/metrics", headers=admin).status_code == 200


def test_metrics_stay_open_when_keys_are_not_required(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize("require_api_keys", [False, True])
def test_the_version_list_shows_drafts_only_to_content_writers(
    settings: Settings, require_api_keys: bool
) -> None:
    """Draft notes are editors' work in progress: listed as the draft itself is shown."""
    app_settings = settings.model_copy(update={"require_api_keys": require_api_keys})
    admin = {"Authorization": "Bearer test-admin-key-0123456789"}
    with TestClient(create_app(app_settings)) as client:
        made = client.post(
            "/v1/admin/content/versions", json={"notes": "secret plan"}, headers=admin
        )
        assert made.status_code == 201
        reader = _keyed(client, Scope.content_read)
        writer = _keyed(client, Scope.content_write, Scope.content_read)
        if require_api_keys:
            assert client.get("/v1/content/versions").status_code == 401
            assert (
                client.get("/v1/content/versions", headers=_keyed(client, Scope.assess)).status_code
                == 403
            )
        else:
            anonymous = client.get("/v1/content/versions")
            assert [v["status"] for v in anonymous.json()] == ["published"]
        listed = client.get("/v1/content/versions", headers=reader)
        assert listed.status_code == 200
        assert [v["status"] for v in listed.json()] == ["published"]
        assert "secret plan" not in listed.text
        full = client.get("/v1/content/versions", headers=writer).json()
        assert [v["status"] for v in full] == ["draft", "published"]


def test_the_spec_declares_the_security_of_metrics_and_the_version_list(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/metrics", "/v1/content/versions"):
        operation = paths[path]["get"]
        # optional: a key is needed only with REQUIRE_API_KEYS (or, for the list, for drafts)
        assert operation["security"] == [{}, {"HTTPBearer": []}], path
        assert {"401", "403", "429"} <= set(operation["responses"]), path
