"""`tremor-guide webhooks add|list|remove|deliveries`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.cli import main
from app.core.config import Settings, get_settings
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
