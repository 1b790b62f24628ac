"""Security headers and limits: CORS, nosniff, no banner, timeouts, bounded schemas."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.content import versions
from app.core.logging import AccessLog
from app.core.middleware import RequestMiddleware
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.e2e.conftest import LiveServer
from tests.reliability.conftest import assert_no_leak, reliability_settings

WORKOUT = {"activity": {"type": "walking", "duration_min": 30}}
# Objects that are free-form until validated as something else: a golden case's context is a
# workout context (validated case by case), a PATCH is merged into an item
# and the result validated as a bundle. Their depth and size are bounded by the JSON parser's
# depth limit and MAX_BODY_BYTES.
FREE_FORM = {"TgGoldenCase.context", "TgItemPatch"}


def _unbounded(spec: dict[str, Any]) -> set[str]:
    """Every string without maxLength (or enum) and array without maxItems that a request
    can carry: parameters and bodies, following references."""
    components = spec["components"]["schemas"]
    found: set[str] = set()
    seen: set[str] = set()

    def walk(schema: dict[str, Any], where: str) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(components[name], name)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                walk(option, where)
        kind = schema.get("type")
        if kind == "string" and not {"maxLength", "enum", "const"} & schema.keys():
            found.add(f"{where}: string without maxLength")
        if kind == "array":
            if "maxItems" not in schema:
                found.add(f"{where}: array without maxItems")
            walk(schema.get("items", {}), f"{where}[]")
        for name, prop in schema.get("properties", {}).items():
            walk(prop, f"{where}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, f"{where}.*")
            if "propertyNames" in schema:
                walk(schema["propertyNames"], f"{where}.<key>")
        elif extra is True and where not in FREE_FORM:
            found.add(f"{where}: free-form object")

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), f"{label} {parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media["schema"], f"{label} body")
    return found


def test_every_request_schema_bounds_its_strings_and_lists(module_client: TestClient) -> None:
    spec = module_client.get("/openapi.json").json()
    assert _unbounded(spec) == set()


def test_security_headers_on_every_kind_of_answer(
    module_client: TestClient, admin_auth: dict[str, str]
) -> None:
    answers = [
        module_client.post("/v1/assessments", json=WORKOUT),  # 200, the hot path
        module_client.get("/v1/causes"),  # 200
        module_client.get("/v1/causes/nope"),  # 404 problem
        module_client.get("/no/such/route"),  # 404 from the router
        module_client.delete("/v1/tips"),  # 405
        module_client.post("/v1/assessments", json={}),  # 422
        module_client.post("/v1/admin/content/versions", json={}),  # 401
        module_client.post("/v1/assessments", content=b"x" * 2_000_000),  # 413, middleware
        module_client.get("/openapi.json"),
        module_client.get("/healthz"),
    ]
    for response in answers:
        label = f"{response.request.method} {response.request.url.path} {response.status_code}"
        assert response.headers["x-content-type-options"] == "nosniff", label
        assert response.headers["x-frame-options"] == "DENY", label
        assert response.headers["referrer-policy"] == "no-referrer", label
        assert response.headers["x-request-id"], label
        assert "server" not in response.headers, label
        assert "access-control-allow-origin" not in response.headers, label


def test_cors_is_off_without_configured_origins(module_client: TestClient) -> None:
    preflight = module_client.options(
        "/v1/assessments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = module_client.get("/v1/causes", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_answers_only_the_configured_origins(database_url: str) -> None:
    settings = reliability_settings(
        database_url, cors_origins="https://app.example, https://admin.example"
    )
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/v1/causes", headers={"Origin": "https://app.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        preflight = client.options(
            "/v1/assessments",
            headers={
                "Origin": "https://admin.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://admin.example"
        for origin in ("https://evil.example", "null", "https://app.example.evil.example"):
            other = client.get("/v1/causes", headers={"Origin": origin})
            assert "access-control-allow-origin" not in other.headers, origin
            refused = client.options(
                "/v1/assessments",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            assert refused.status_code == 400, origin
            assert "access-control-allow-origin" not in refused.headers, origin


def test_an_unexpected_error_is_a_bare_500_problem(
    module_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError(f"boom with {ADMIN_KEY} and SELECT * FROM api_key")

    monkeypatch.setattr(versions, "version_summaries", explode)
    response = module_client.get("/v1/content/versions")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"] == "An unexpected error occurred; it has been logged."
    assert "RuntimeError" not in response.text and "SELECT" not in response.text
    assert_no_leak(response.text)


def _middleware_call(app: Any, timeout_s: float, body: list[bytes]) -> tuple[int, bytes, float]:
    """Drive RequestMiddleware directly with a request whose body arrives as `body` says."""
    middleware = RequestMiddleware(
        app, max_body_bytes=1_000_000, access_log=AccessLog("ERROR"), request_timeout_s=timeout_s
    )
    sent: list[dict[str, Any]] = []

    async def run() -> float:
        chunks = iter(body)

        async def receive() -> dict[str, Any]:
            chunk = next(chunks, None)
            if chunk is None:
                await asyncio.sleep(3600)  # the client stalls
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/v1/assessments",
            "headers": [(b"content-length", b"100")],
        }
        started = time.perf_counter()
        await middleware(scope, receive, send)
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], payload, elapsed


def test_a_stalled_upload_gets_503() -> None:
    """A body that has not arrived by REQUEST_TIMEOUT_S is given up on."""

    async def reads_the_whole_body(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass

    status, body, elapsed = _middleware_call(reads_the_whole_body, 0.3, [b"{", b'"a"'])
    assert status == 503
    assert b"did not arrive within 0.3 s" in body
    assert 0.3 <= elapsed < 2.0


def test_a_handler_at_work_is_never_cut_short() -> None:
    """Only waiting for the body is timed: a handler's work is bounded elsewhere (database
    timeouts), and cancelling it half way could answer 503 for a write that then commits."""

    async def works_slowly(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await asyncio.sleep(1.2)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    status, body, elapsed = _middleware_call(works_slowly, 0.3, [b"{}"])
    assert (status, body) == (200, b"ok") and elapsed >= 1.2


@pytest.mark.e2e
def test_live_server_shows_no_banner_and_cuts_slow_uploads(
    start_live: Callable[..., LiveServer],
) -> None:
    server = start_live(REQUEST_TIMEOUT_S="1.5")
    response = httpx.post(f"{server.url}/v1/assessments", json=WORKOUT, timeout=10)
    assert response.status_code == 200
    assert "server" not in response.headers  # no "uvicorn" banner
    assert response.headers["x-content-type-options"] == "nosniff"

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/assessments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
            b'{"activity": '
        )
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 503"), answer[:200]
    assert b"server:" not in answer.lower()
    assert 1.0 <= waited < 5.0, waited
