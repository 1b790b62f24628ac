"""Fixtures for the write side: keys with chosen scopes, and a helper to start drafts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import service as keys
from app.auth.scopes import Scope


@pytest.fixture
def make_key(client: TestClient) -> Callable[..., str]:
    """Create a stored key with the given scopes and return it."""
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    counter = iter(range(1_000))

    def make(*scopes: Scope) -> str:
        with Session(engine) as session:
            key = keys.create_key(
                session, f"test-key-{next(counter)}", frozenset(scopes), actor="test"
            )
            session.commit()
        return key

    return make


@pytest.fixture
def new_draft(
    client: TestClient, admin_headers: dict[str, str]
) -> Callable[..., dict[str, object]]:
    def make(**body: object) -> dict[str, object]:
        response = client.post("/v1/admin/content/versions", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        draft: dict[str, object] = response.json()
        return draft

    return make
