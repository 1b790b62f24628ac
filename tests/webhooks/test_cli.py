"""`tremor-guide webhooks add|list|remove|deliveries`."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.cli import main
from app.core.config import Settings, get_settings
from app.webhooks.models import WebhookSealingKey
from tests.conftest import ADMIN_KEY
from tests.webhooks.conftest import WEBHOOK_KEY


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("WEBHOOK_SECRET_KEY", WEBHOOK_KEY)
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    monkeypatch.delenv("ADMIN_API_KEY", raising=False)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_add_list_publish_deliveries_remove(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://127.0.0.1:9/hook"
    assert main(["webhooks", "add", url, "--event", "content.published"]) == 0
    out, err = capsys.readouterr()
    first, secret = out.splitlines()
    hook_id = first.split("\t")[0]
    assert hook_id.startswith("wh_") and secret.startswith("whsec_")
    assert "only this once" in err
    assert main(["webhooks", "list"]) == 0
    listed = capsys.readouterr().out
    assert hook_id in listed and secret not in listed
    assert main(["content", "import", "content/default", "--publish"]) == 0
    capsys.readouterr()
    assert main(["webhooks", "deliveries", hook_id]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert "content.published" in line and "pending" in line
    assert main(["webhooks", "remove", hook_id]) == 0
    assert main(["webhooks", "remove", hook_id]) == 1  # gone
    capsys.readouterr()
    assert main(["webhooks", "list"]) == 0
    assert capsys.readouterr().out == ""


def test_add_refuses_bad_input(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["webhooks", "add", "ftp://x/", "--event", "content.published"]) == 2
    assert "url" in capsys.readouterr().err
    assert main(["webhooks", "add", "http://127.0.0.1/", "--event", "content.nope"]) == 2
    assert "events" in capsys.readouterr().err


def _sealing_keys(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return len(session.exec(select(WebhookSealingKey)).all())
    finally:
        engine.dispose()


def test_add_refuses_a_key_other_than_the_servers(
    cli_env: Settings,
    make_client: Callable[..., TestClient],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's case: the server runs with WEBHOOK_SECRET_KEY, the CLI in another shell
    without it (or with another): the CLI refuses, naming the variable, and makes nothing."""
    server = make_client()  # started with WEBHOOK_KEY: it records that key's fingerprint
    add = ["webhooks", "add", "http://127.0.0.1:9/hook", "--event", "content.published"]

    monkeypatch.delenv("WEBHOOK_SECRET_KEY")
    get_settings.cache_clear()
    assert main(add) == 1
    out, err = capsys.readouterr()
    assert out == "" and "WEBHOOK_SECRET_KEY is not set here" in err
    assert _sealing_keys(cli_env.database_url) == 0  # no key of its own made up either

    monkeypatch.setenv("WEBHOOK_SECRET_KEY", base64.b64encode(os.urandom(32)).decode())
    get_settings.cache_clear()
    assert main(add) == 1
    assert "WEBHOOK_SECRET_KEY here has the fingerprint" in capsys.readouterr().err

    listed = server.get("/v1/admin/webhooks", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert listed.json()["items"] == []

    monkeypatch.setenv("WEBHOOK_SECRET_KEY", WEBHOOK_KEY)  # the server's: accepted
    get_settings.cache_clear()
    assert main(add) == 0
    capsys.readouterr()
    assert main(["webhooks", "list"]) == 0
    assert capsys.readouterr().out.rstrip("\n").endswith("\tactive")


def test_a_webhook_sealed_with_another_key_is_listed_as_failing(
    cli_env: Settings,
    make_client: Callable[..., TestClient],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    webhook_log: list[str],
) -> None:
    """Made by a CLI before any server ran, with another key: a server that starts marks it
    failing, says why in the API and in `webhooks list`, and logs it once."""
    monkeypatch.setenv("WEBHOOK_SECRET_KEY", base64.b64encode(os.urandom(32)).decode())
    get_settings.cache_clear()
    assert main(["webhooks", "add", "http://127.0.0.1:9/hook", "--event", "content.published"]) == 0
    hook_id = capsys.readouterr().out.split("\t")[0]
    server = make_client()
    make_client()  # a second process starting: nothing new to say
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    [hook] = server.get("/v1/admin/webhooks", headers=headers).json()["items"]
    assert (hook["id"], hook["status"]) == (hook_id, "failing")
    assert "WEBHOOK_SECRET_KEY" in hook["failure_reason"]
    assert server.get(f"/v1/admin/webhooks/{hook_id}", headers=headers).json() == hook
    assert len([m for m in webhook_log if "cannot be delivered" in m]) == 1
    assert main(["webhooks", "list"]) == 0
    listed = capsys.readouterr().out
    assert "\tfailing\t" in listed and "WEBHOOK_SECRET_KEY" in listed


def test_add_with_a_key_refuses_when_the_server_runs_without_one(
    cli_env: Settings,
    make_client: Callable[..., TestClient],
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_client(webhook_secret_key=None)  # seals with the key kept in the database
    add = ["webhooks", "add", "http://127.0.0.1:9/hook", "--event", "content.published"]
    assert main(add) == 1  # cli_env sets WEBHOOK_SECRET_KEY
    assert "Run this without WEBHOOK_SECRET_KEY" in capsys.readouterr().err
