"""Every error is problem+json: FastAPI's own 404/405/422, 413 and unhandled 500s."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.errors import DomainError, ErrorKind, as_problem
from app.main import create_app

PROBLEM = "application/problem+json"
MINIMAL = {"activity": {"type": "running", "duration_min": 30}}


def assert_problem(response_json: dict[str, object], status: int) -> None:
    for key in ("type", "title", "status", "detail"):
        assert key in response_json
    assert response_json["status"] == status


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert_problem(response.json(), 404)


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.delete("/v1/causes")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert_problem(response.json(), 405)


def test_validation_error_names_the_field(client: TestClient) -> None:
    body = {"activity": {"type": "running", "duration_min": 30}, "hydration": {"urine_color": 12}}
    response = client.post("/v1/assessments?strict=true", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert_problem(problem, 422)
    assert [e["loc"] for e in problem["errors"]] == ["hydration.urine_color"]
    assert "hydration.urine_color" in problem["detail"]


def test_non_object_and_invalid_json_bodies(client: TestClient) -> None:
    for raw in (b"[1,2,3]", b'"text"', b"{not json", b""):
        response = client.post(
            "/v1/assessments", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, raw
        assert response.headers["content-type"] == PROBLEM


def test_body_over_the_limit_is_413_before_parsing(client: TestClient) -> None:
    big = b'{"pad": "' + b"x" * 1_100_000 + b'"}'
    response = client.post(
        "/v1/assessments", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert_problem(response.json(), 413)


def test_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 50_000

    response = client.post(
        "/v1/assessments", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_unhandled_exception_is_bare_500_problem(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    # A hostile id is replaced, not echoed.
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>" * 40})
    assert "<" not in hostile.headers["x-request-id"]
    # Errors carry it too.
    assert client.get("/nope", headers={"X-Request-ID": "e-1"}).headers["x-request-id"] == "e-1"


def test_security_headers(client: TestClient) -> None:
    response = client.get("/v1/causes")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "server" not in {k.lower() for k in response.headers}


def _all_domain_errors() -> list[type[DomainError]]:
    import app.auth.errors
    import app.content.errors  # noqa: F401  (registers the subclasses)

    found: list[type[DomainError]] = []
    pending = list(DomainError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_domain_error_maps_to_one_problem_status() -> None:
    statuses = {kind: as_problem(_Sample(kind)).status for kind in ErrorKind}
    assert statuses == {
        ErrorKind.not_found: 404,
        ErrorKind.conflict: 409,
        ErrorKind.stale: 412,
        ErrorKind.invalid: 422,
        ErrorKind.unavailable: 503,
    }
    errors = _all_domain_errors()
    assert len(errors) >= 10
    for cls in errors:
        if cls is not _Sample:
            assert cls.kind in statuses, cls


class _Sample(DomainError):
    def __init__(self, kind: ErrorKind) -> None:
        self.kind = kind  # type: ignore[misc]
        super().__init__("sample detail", extra={"hint": 1})


def test_a_domain_error_is_answered_as_its_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/admin/content/rollback",
        json={"to_version": 1},
        headers={"Authorization": "Bearer test-admin-key-0123456789"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "https://tremor-guide.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Version 1 is already current.",
        "instance": "/v1/admin/content/rollback",
    }
    pinned = client.post("/v1/assessments?content_version=99", json=MINIMAL)
    assert pinned.status_code == 404
    assert pinned.json()["type"] == "https://tremor-guide.dev/problems/not-found"
