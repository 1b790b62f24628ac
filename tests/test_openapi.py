"""openapi/openapi.json is exactly what the service serves (`make openapi` regenerates it)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from app.openapi_export import rendered


def test_committed_specs_match_the_app(repo_root: Path) -> None:
    for name, text in rendered().items():
        committed = (repo_root / "openapi" / name).read_text(encoding="utf-8")
        assert json.loads(committed) == json.loads(text), f"run `make openapi` and commit {name}"


def test_app_spec_has_no_admin_operation_and_admin_spec_no_app_one(repo_root: Path) -> None:
    """An app's SDK is generated from app.json: it must not ship publish, rollback or webhooks."""
    whole, app, admin = (
        json.loads((repo_root / "openapi" / name).read_text(encoding="utf-8"))
        for name in ("openapi.json", "app.json", "admin.json")
    )
    assert not [path for path in app["paths"] if path.startswith("/v1/admin/")]
    assert "webhooks" not in app and set(admin["webhooks"]) == set(whole["webhooks"])
    assert {"/v1/assessments", "/v1/causes", "/v1/assessments/{assessment_id}/feedback"} <= set(
        app["paths"]
    )
    assert set(app["paths"]) | set(admin["paths"]) == set(whole["paths"])
    assert not set(app["paths"]) & set(admin["paths"])
    assert "TgPublishRequest" not in app["components"]["schemas"]  # only the admin half's
    assert "TgWorkoutContext" in app["components"]["schemas"]


def test_served_spec_matches_the_committed_one(client: TestClient, repo_root: Path) -> None:
    committed = json.loads((repo_root / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    assert client.get("/openapi.json").json() == committed


def test_every_operation_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation.get("summary") or operation.get("description"), where
            if path not in ("/healthz", "/readyz"):
                assert any(code.startswith("4") for code in operation["responses"]), where


def test_docs_pages_need_no_internet(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn.jsdelivr" not in html and "unpkg" not in html
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200


def test_security_says_which_operations_answer_without_a_key(client: TestClient) -> None:
    """With REQUIRE_API_KEYS off (the default), an operation that answers without a key
    declares the key optional (`{}` among its requirements); admin ones require it."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            security = operation.get("security")
            if path.startswith("/v1/admin/"):
                assert security == [{"HTTPBearer": []}], (method, path)
            elif path.startswith("/v1/"):
                assert security is not None and {} in security, (method, path)
                assert {"HTTPBearer": []} in security, (method, path)
