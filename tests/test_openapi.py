"""openapi/openapi.json is exactly what the service serves (`make openapi` regenerates it)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from app.openapi_export import render


def test_committed_spec_matches_the_app(repo_root: Path) -> None:
    committed = (repo_root / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(render()), "run `make openapi` and commit"


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
