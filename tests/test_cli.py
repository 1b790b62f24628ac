"""The tremor-guide command: content import/export/validate/publish/diff and keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.content.files import DEFAULT_CONTENT_DIR, load_bundle, write_bundle
from app.core.config import Settings, get_settings
from app.main import create_app


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.delenv("ADMIN_API_KEY", raising=False)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_validate_a_bundle_folder_and_a_broken_file(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "validate", str(DEFAULT_CONTENT_DIR)]) == 0
    assert "valid: 0 problem(s)" in capsys.readouterr().out
    data = load_bundle().model_dump(mode="json")
    data["tips"][0]["addresses"] = ["ghost"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    assert main(["content", "validate", str(broken)]) == 1
    assert "ghost" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("{")
    assert main(["content", "validate", str(tmp_path / "bad.json")]) == 2


def test_import_publish_export_diff(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = load_bundle()
    changed = bundle.model_copy(
        update={"disclaimer": {**bundle.disclaimer, "en": "Edited disclaimer from a file."}}
    )
    source = tmp_path / "edited.yaml"
    write_bundle(changed, source)
    assert main(["content", "import", str(source), "--notes", "from a file"]) == 0
    assert "draft version 2" in capsys.readouterr().out
    assert main(["content", "publish", "2"]) == 0
    assert main(["content", "publish", "2"]) == 1  # published versions never change
    capsys.readouterr()
    assert main(["content", "diff", "1", "2"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["items"]["settings"]["changed"][0]["id"] == "disclaimer"
    target = tmp_path / "v2.json"
    assert main(["content", "export", "2", str(target)]) == 0
    assert load_bundle(target) == changed
    with TestClient(create_app(cli_env)) as client:
        assert client.get("/v1/causes").json()["content_version"] == 2


def test_keys_create_list_revoke(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--name", "editor", "--scope", "content:write"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("tg_")
    assert main(["keys", "create", "--name", "x", "--scope", "superuser"]) == 2
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "editor" in listing and key not in listing
    with TestClient(create_app(cli_env)) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert client.post("/v1/admin/content/versions", headers=headers).status_code == 201
        assert main(["keys", "revoke", "editor"]) == 0
        client.app.state.services.keys.forget()  # type: ignore[attr-defined]
        assert client.post("/v1/admin/content/versions", headers=headers).status_code == 401
        admin = {"Authorization": "Bearer test-admin-key-0123456789"}
        audit = client.get("/v1/admin/audit", headers=admin).json()
    assert {"key_created", "key_revoked"} <= {e["action"] for e in audit["items"]}


def test_rollout_start_set_promote_and_abort(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = load_bundle()
    changed = bundle.model_copy(
        update={"disclaimer": {**bundle.disclaimer, "en": "A disclaimer for the canary."}}
    )
    source = tmp_path / "canary.yaml"
    write_bundle(changed, source)
    for _ in range(2):
        assert main(["content", "import", str(source)]) == 0
    assert main(["rollout", "promote"]) == 1  # no canary yet
    assert main(["content", "publish", "2", "--rollout-percent", "100"]) == 1
    assert main(["content", "publish", "2", "--rollout-percent", "10"]) == 0
    assert "canary for 10 %" in capsys.readouterr().out
    assert main(["content", "publish", "3"]) == 1  # while a canary runs
    assert main(["rollout", "set", "0"]) == 1
    assert main(["rollout", "set", "40", "--reason", "wider"]) == 0
    assert main(["rollout", "status"]) == 0
    assert "canary version 2 serves 40 % of callers" in capsys.readouterr().out
    assert main(["rollout", "promote"]) == 0
    assert "version 2 serves everyone" in capsys.readouterr().out
    assert main(["content", "publish", "3", "--rollout-percent", "50"]) == 0
    assert main(["rollout", "abort"]) == 0
    assert "version 2 serves everyone" in capsys.readouterr().out
    with TestClient(create_app(cli_env)) as client:
        assert client.get("/v1/causes").json()["content_version"] == 2
