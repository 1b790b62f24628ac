"""Health, readiness and metrics."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_loaded_version(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["content_version"] == 1


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/v1/causes")
    client.get("/v1/causes/nope")
    text = client.get("/metrics").text
    assert 'tremor_http_requests_total{method="GET",route="/v1/causes",status="200"}' in text
    assert 'route="/v1/causes/{cause_id}",status="404"' in text
    assert "tremor_http_request_duration_seconds_bucket" in text
    assert "tremor_content_current_version 1.0" in text
