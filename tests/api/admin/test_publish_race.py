"""Two publishes racing on one draft: exactly one wins, the other gets a clear 409."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient


def test_racing_publishes(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    for _ in range(3):
        version = new_draft()["version"]
        url = f"/v1/admin/content/versions/{version}/publish"
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(client.post, url, headers=admin_headers) for _ in range(2)]
            results = [f.result() for f in futures]
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 409], [r.text for r in results]
        loser = next(r for r in results if r.status_code == 409)
        assert loser.headers["content-type"] == "application/problem+json"
        assert str(version) in loser.json()["detail"]
        assert client.get("/v1/causes").json()["content_version"] == version
