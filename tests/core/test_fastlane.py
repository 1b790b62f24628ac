"""The fast lane: POST /v1/assessments served from the ASGI layer, answering as the framework would.

Most tests send the same request twice: once to the app as built (the lane serves it), once to
the same app with the FastLane middleware taken out (FastAPI's routing serves the same
endpoint), and expect the same answer, errors included.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Annotated, Any

import httpx
import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse

from app.core import logging as access_logging
from app.core.config import Settings
from app.core.errors import Conflict, install_error_handlers
from app.core.fastlane import FastLane, lane_route, read_body
from app.main import create_app

PROBLEM = "application/problem+json"
WORKOUT = {"activity": {"type": "running", "duration_min": 30}}
JSON = {"Content-Type": "application/json"}
# Headers whose values differ between two otherwise identical answers.
VARYING = {"x-request-id", "ratelimit-reset"}

Serve = Callable[..., TestClient]


def without_lane(app: FastAPI) -> FastAPI:
    """The same app with FastLane taken out: every request goes through FastAPI's routing."""
    app.user_middleware = [m for m in app.user_middleware if m.cls is not FastLane]
    return app


@pytest.fixture
def serve(settings: Settings) -> Iterator[Serve]:
    """Start the app (lane=True, as built; lane=False, without FastLane) with settings overrides.

    Each start gets its own app, so its own rate limiter; they share the (emptied) database.
    """
    stack = ExitStack()

    def start(*, lane: bool = True, **overrides: Any) -> TestClient:
        app = create_app(settings.model_copy(update=overrides))
        client = TestClient(app if lane else without_lane(app), raise_server_exceptions=False)
        return stack.enter_context(client)

    with stack:
        yield start


@pytest.fixture
def lane_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests FastLane serves itself, in order."""
    calls: list[str] = []
    original = FastLane._serve

    async def spy(route: APIRoute, scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await original(route, scope, receive, send)

    monkeypatch.setattr(FastLane, "_serve", staticmethod(spy))
    return calls


def find_lane(app: Any) -> FastLane:
    """The FastLane instance in a started app's middleware stack."""
    layer = app.middleware_stack
    while layer is not None:
        if isinstance(layer, FastLane):
            return layer
        layer = getattr(layer, "app", None)
    raise AssertionError("no FastLane in the middleware stack")


def assert_same_answer(lane: httpx.Response, normal: httpx.Response) -> None:
    assert lane.status_code == normal.status_code
    assert lane.headers.get("content-type") == normal.headers.get("content-type")
    assert set(lane.headers) == set(normal.headers)
    for name in set(lane.headers) - VARYING:
        assert lane.headers[name] == normal.headers[name], name
    if lane.headers.get("content-type") == PROBLEM:
        assert lane.json() == normal.json()


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= set(problem)
    return problem


# -- the real app ---------------------------------------------------------------------------


def test_the_app_serves_post_assessments_on_the_lane(serve: Serve) -> None:
    client = serve()
    client.get("/healthz")  # builds the middleware stack
    lane = find_lane(client.app)
    assert ("POST", "/v1/assessments") in lane.routes
    assert ("GET", "/v1/assessments") not in lane.routes
    normal = serve(lane=False)
    normal.get("/healthz")
    with pytest.raises(AssertionError, match="no FastLane"):
        find_lane(normal.app)


def test_assessment_on_the_lane_has_every_header(serve: Serve, lane_calls: list[str]) -> None:
    client = serve()
    response = client.post(
        "/v1/assessments",
        json=WORKOUT,
        headers={"X-Request-ID": "lane-1", "Accept-Language": "es"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-language"] == "es"
    assert response.headers["vary"] == "Accept-Language"
    assert response.headers["x-request-id"] == "lane-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["ratelimit-limit"] == "600"
    body = response.json()
    assert body["causes"] and body["triage"]["level"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", body["assessment_id"])  # a signed token
    assert lane_calls == ["/v1/assessments"]


def test_assessment_on_the_lane_matches_the_normal_path(
    serve: Serve, lane_calls: list[str]
) -> None:
    lane, normal = serve(), serve(lane=False)
    answers = [c.post("/v1/assessments", json=WORKOUT, params={"limit": 3}) for c in (lane, normal)]
    assert_same_answer(*answers)
    bodies = [r.json() for r in answers]
    for body in bodies:
        body.pop("assessment_id")  # random per assessment
    assert bodies[0] == bodies[1]
    assert len(bodies[0]["causes"]) == 3
    assert lane_calls == ["/v1/assessments"]  # the first only; the other took FastAPI's path


@pytest.mark.parametrize(
    ("request_kwargs", "status", "field"),
    [
        pytest.param(
            {"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 415, None, id="text"
        ),
        pytest.param({"content": b"{}"}, 415, None, id="no-content-type"),
        pytest.param(
            {"json": {**WORKOUT, "hydration": {"urine_color": 12}}, "params": {"strict": "true"}},
            422,
            "hydration.urine_color",
            id="bad-field",
        ),
        pytest.param({"content": b"{not json", "headers": JSON}, 422, None, id="not-json"),
        pytest.param({"content": b"[1, 2]", "headers": JSON}, 422, None, id="not-object"),
        pytest.param({"json": WORKOUT, "params": {"limit": 0}}, 422, "query.limit", id="limit"),
        pytest.param(
            {"json": WORKOUT, "params": {"content_version": "x"}},
            422,
            "query.content_version",
            id="version-type",
        ),
        pytest.param({"json": WORKOUT, "params": {"content_version": 99}}, 404, None, id="unknown"),
    ],
)
def test_errors_on_the_lane_are_those_of_the_normal_path(
    serve: Serve,
    lane_calls: list[str],
    request_kwargs: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    lane, normal = serve(), serve(lane=False)
    answers = [c.post("/v1/assessments", **request_kwargs) for c in (lane, normal)]
    problem = assert_problem(answers[0], status)
    assert problem["instance"] == "/v1/assessments"
    if field is not None:
        assert [e["loc"] for e in problem["errors"]] == [field]
        assert field in problem["detail"]
    if status == 404:
        assert "99" in problem["detail"]
    assert_same_answer(*answers)
    assert lane_calls == ["/v1/assessments"]


def test_missing_key_is_401_on_the_lane_when_keys_are_required(
    serve: Serve, lane_calls: list[str], admin_headers: dict[str, str]
) -> None:
    lane, normal = serve(require_api_keys=True), serve(lane=False, require_api_keys=True)
    answers = [c.post("/v1/assessments", json=WORKOUT) for c in (lane, normal)]
    assert_problem(answers[0], 401)
    assert answers[0].headers["www-authenticate"].startswith("Bearer")
    assert_same_answer(*answers)
    assert lane_calls == ["/v1/assessments"]
    wrong = lane.post("/v1/assessments", json=WORKOUT, headers={"Authorization": "Bearer nope"})
    assert_problem(wrong, 401)
    assert lane.post("/v1/assessments", json=WORKOUT, headers=admin_headers).status_code == 200


def test_rate_limit_is_429_on_the_lane(serve: Serve, lane_calls: list[str]) -> None:
    # Per day: windows are aligned to the clock, a per-minute one could restart mid-test.
    lane, normal = serve(rate_limit_assess="2/day"), serve(lane=False, rate_limit_assess="2/day")
    for client in (lane, normal):
        assert [client.post("/v1/assessments", json=WORKOUT).status_code for _ in range(2)] == [
            200,
            200,
        ]
    answers = [c.post("/v1/assessments", json=WORKOUT) for c in (lane, normal)]
    problem = assert_problem(answers[0], 429)
    assert problem["type"].endswith("/rate-limited")
    assert int(answers[0].headers["retry-after"]) >= 1
    assert answers[0].headers["ratelimit-remaining"] == "0"
    assert_same_answer(*answers)
    assert lane_calls == ["/v1/assessments"] * 3


def test_declared_body_over_the_limit_is_413(serve: Serve, lane_calls: list[str]) -> None:
    lane, normal = serve(max_body_bytes=2048), serve(lane=False, max_body_bytes=2048)
    big = b'{"pad": "' + b"x" * 3000 + b'"}'
    answers = [c.post("/v1/assessments", content=big, headers=JSON) for c in (lane, normal)]
    problem = assert_problem(answers[0], 413)
    assert "2048" in problem["detail"]
    assert_same_answer(*answers)
    assert lane_calls == []  # refused by RequestMiddleware before the lane


def test_chunked_body_over_the_limit_is_413(serve: Serve, lane_calls: list[str]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 1000

    lane, normal = serve(max_body_bytes=2048), serve(lane=False, max_body_bytes=2048)
    answers = [c.post("/v1/assessments", content=chunks(), headers=JSON) for c in (lane, normal)]
    assert_problem(answers[0], 413)
    assert_same_answer(*answers)
    assert lane_calls == ["/v1/assessments"]  # counted while the lane reads the body


def test_get_is_still_the_frameworks_405_problem(serve: Serve, lane_calls: list[str]) -> None:
    lane, normal = serve(), serve(lane=False)
    answers = [c.get("/v1/assessments") for c in (lane, normal)]
    problem = assert_problem(answers[0], 405)
    assert problem["detail"] == "GET is not allowed on /v1/assessments."
    assert answers[0].headers["allow"] == "POST"
    assert_same_answer(*answers)
    assert lane_calls == []


def _requests_total(metrics: str, method: str, status: int) -> float:
    pattern = (
        rf'^tremor_http_requests_total\{{method="{method}",route="/v1/assessments",'
        rf'status="{status}"\}} (\S+)$'
    )
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_metrics_and_access_log_carry_the_route_template(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[bytes] = []
    monkeypatch.setattr(access_logging, "_write_stderr", written.append)
    client = serve(log_level="INFO")
    before = client.get("/metrics").text
    assert client.post("/v1/assessments", json=WORKOUT).status_code == 200
    bad = client.post("/v1/assessments", content=b"{}", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 415
    after = client.get("/metrics").text  # also lets the event loop flush the access log
    for status in (200, 415):
        assert _requests_total(after, "POST", status) == _requests_total(before, "POST", status) + 1
    assert re.search(
        r'^tremor_http_request_duration_seconds_count\{method="POST",route="/v1/assessments"\}',
        after,
        re.MULTILINE,
    )
    lines = [
        line for line in b"".join(written).decode().splitlines() if '"/v1/assessments"' in line
    ]
    assert len(lines) == 2
    assert all('"route":"/v1/assessments"' in line for line in lines)


def test_root_path_still_takes_the_lane(serve: Serve, lane_calls: list[str]) -> None:
    # The app runs under /api behind a proxy that keeps the prefix in the path (ASGI spec).
    client = TestClient(serve().app, root_path="/api")
    response = client.post("/api/v1/assessments", json=WORKOUT)
    assert response.status_code == 200
    assert response.headers["content-language"] == "en"
    bad = client.post("/api/v1/assessments", content=b"{}", headers={"Content-Type": "text/plain"})
    assert assert_problem(bad, 415)["instance"] == "/api/v1/assessments"
    assert lane_calls == ["/api/v1/assessments"] * 2


# -- FastLane on a small app ----------------------------------------------------------------


class Secret(Exception):
    """Raised by an endpoint; answered by a synchronous handler (run in the thread pool)."""


def _secret_handler(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("handled in a thread", status_code=418)


async def explode(request: Request) -> Response:
    raise RuntimeError("secret internals")


async def conflict(request: Request) -> Response:
    raise Conflict("Already there.")


async def secret(request: Request) -> Response:
    raise Secret


async def echo(request: Request) -> Response:
    route = request.scope["route"]
    return PlainTextResponse(f"{route.path} {await read_body(request)!r}")


def small_app(*, lane: bool = True) -> FastAPI:
    """A bare FastAPI app with the service's error handlers and the lane over its routes."""
    app = FastAPI()
    install_error_handlers(app)
    app.add_exception_handler(Secret, _secret_handler)
    for path, endpoint in (
        ("/explode", explode),
        ("/conflict", conflict),
        ("/secret", secret),
        ("/echo", echo),
    ):
        app.add_api_route(path, endpoint, methods=["POST"])
    if lane:
        routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
        app.add_middleware(FastLane, routes=routes)
    return app


def test_an_unexpected_error_on_the_lane_is_a_500_problem(caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(small_app(), raise_server_exceptions=False) as client:
        response = client.post("/explode")
    problem = assert_problem(response, 500)
    assert problem["detail"] == "An unexpected error occurred; it has been logged."
    assert problem["instance"] == "/explode"
    assert "secret internals" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "app.errors"]
    assert len(logged) == 1 and logged[0].exc_info is not None


@pytest.mark.parametrize(("path", "status"), [("/conflict", 409), ("/secret", 418)])
def test_handled_errors_on_the_lane_use_the_apps_handlers(path: str, status: int) -> None:
    answers = []
    for lane in (True, False):
        with TestClient(small_app(lane=lane)) as client:
            answers.append(client.post(path))
    assert answers[0].status_code == status
    assert answers[0].text == answers[1].text
    assert answers[0].headers == answers[1].headers


def test_the_lane_sets_the_route_and_passes_the_body() -> None:
    with TestClient(small_app()) as client:
        response = client.post("/echo", content=b"hello")
    assert response.text == "/echo b'hello'"


# -- FastLane as an ASGI middleware ----------------------------------------------------------


def _call_lane(scope: dict[str, Any]) -> tuple[str, int]:
    """Send `scope` to FastLane over /echo; which of lane and downstream app answered?"""
    answered: list[str] = []

    async def downstream(scope: Any, receive: Any, send: Any) -> None:
        answered.append("downstream")
        await PlainTextResponse("downstream", status_code=299)(scope, receive, send)

    async def endpoint(request: Request) -> Response:
        answered.append("lane")
        return PlainTextResponse("lane")

    lane = FastLane(downstream, routes=[APIRoute("/v1/echo", endpoint, methods=["POST"])])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    full = {"type": "http", "method": "POST", "headers": [], "query_string": b"", **scope}
    asyncio.run(lane(full, receive, send))
    (who,) = answered
    return who, sent[0]["status"]


@pytest.mark.parametrize(
    ("scope", "taken"),
    [
        pytest.param({"path": "/v1/echo"}, "lane", id="plain"),
        pytest.param({"path": "/api/v1/echo", "root_path": "/api"}, "lane", id="root-path"),
        pytest.param({"path": "/v1/echo", "root_path": "/api"}, "lane", id="root-not-in-path"),
        pytest.param({"path": "/api/v1/other", "root_path": "/api"}, "downstream", id="other"),
        pytest.param({"path": "/v1/echo/"}, "downstream", id="trailing-slash"),
        pytest.param({"path": "/v1/echo", "method": "PUT"}, "downstream", id="other-method"),
    ],
)
def test_which_requests_take_the_lane(scope: dict[str, Any], taken: str) -> None:
    who, status = _call_lane(scope)
    assert who == taken
    assert status == (200 if taken == "lane" else 299)


# -- lane_route ------------------------------------------------------------------------------


class Item(BaseModel):
    name: str


async def _number() -> int:
    return 1


async def takes_request(request: Request) -> Response:
    return Response()


async def takes_query(request: Request, limit: int = 5) -> Response:
    return Response()


async def takes_body(request: Request, item: Item) -> Response:
    return Response()


async def takes_dependency(request: Request, n: Annotated[int, Depends(_number)]) -> Response:
    return Response()


async def takes_nothing() -> Response:
    return Response()


def sync_endpoint(request: Request) -> Response:
    return Response()


async def takes_background_tasks(request: Request, tasks: BackgroundTasks) -> Response:
    return Response()


async def returns_a_dict(request: Request) -> dict[str, int]:
    return {"answer": 42}


def test_lane_route_accepts_an_async_endpoint_of_the_request() -> None:
    route = APIRoute("/x", takes_request, methods=["POST"])
    assert lane_route(route) is route


@pytest.mark.parametrize(
    "endpoint",
    [
        takes_query,
        takes_body,
        takes_dependency,
        takes_nothing,
        sync_endpoint,
        takes_background_tasks,
        returns_a_dict,
    ],
    ids=lambda endpoint: endpoint.__name__,
)
def test_lane_route_refuses_what_needs_the_framework(endpoint: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="cannot take the fast lane"):
        lane_route(APIRoute("/x", endpoint, methods=["POST"]))


def test_lane_route_refuses_a_route_with_router_dependencies() -> None:
    route = APIRoute("/x", takes_request, methods=["POST"], dependencies=[Depends(_number)])
    with pytest.raises(ValueError, match="cannot take the fast lane"):
        lane_route(route)


def test_fastlane_checks_its_routes_when_built() -> None:
    with pytest.raises(ValueError, match="/q declares parameters"):
        FastLane(small_app(lane=False), routes=[APIRoute("/q", takes_query, methods=["POST"])])


def _answer(endpoint: Callable[..., Any], *, lane: bool) -> tuple[int, str]:
    app = FastAPI()
    install_error_handlers(app)
    app.add_api_route("/x", endpoint, methods=["POST"])
    if lane:
        routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
        app.add_middleware(FastLane, routes=routes)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/x")
    return response.status_code, response.text


@pytest.mark.parametrize(
    "endpoint",
    [
        takes_request,
        takes_background_tasks,
        returns_a_dict,
    ],
    ids=lambda endpoint: endpoint.__name__,
)
def test_a_route_the_lane_accepts_answers_as_on_the_normal_path(
    endpoint: Callable[..., Any],
) -> None:
    try:
        lane_route(APIRoute("/x", endpoint, methods=["POST"]))
    except ValueError:
        return  # refused when the lane is built: it stays on the normal path
    normal = _answer(endpoint, lane=False)
    assert normal[0] == 200
    assert _answer(endpoint, lane=True) == normal


async def not_found(request: Request) -> Response:
    raise HTTPException(404)


def test_a_status_code_handler_answers_on_the_lane_as_on_the_normal_path() -> None:
    async def custom_404(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 404", status_code=404)

    answers = []
    for lane in (True, False):
        app = FastAPI()
        install_error_handlers(app)
        app.add_exception_handler(404, custom_404)
        app.add_api_route("/missing", not_found, methods=["POST"])
        if lane:
            routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
            app.add_middleware(FastLane, routes=routes)
        with TestClient(app) as client:
            answers.append(client.post("/missing").text)
    assert answers == ["custom 404", "custom 404"]


# -- read_body --------------------------------------------------------------------------------


def _read(messages: list[dict[str, Any]]) -> tuple[bytes, int]:
    """read_body over a receive callable that gives `messages` then fails; bytes and reads."""
    pending = iter(messages)
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        message = next(pending, None)
        if message is None:
            raise AssertionError("read past the end of the body")
        return message

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    return asyncio.run(read_body(request)), reads


def test_read_body_of_one_message() -> None:
    assert _read([{"type": "http.request", "body": b"whole"}]) == (b"whole", 1)
    assert _read([{"type": "http.request"}]) == (b"", 1)


def test_read_body_joins_the_chunks_of_a_chunked_body() -> None:
    messages = [
        {"type": "http.request", "body": b"one,", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "more_body": True},
        {"type": "http.request", "body": b"two,", "more_body": True},
        {"type": "http.request", "body": b"three", "more_body": False},
    ]
    assert _read(messages) == (b"one,two,three", 5)


@pytest.mark.parametrize(
    "messages",
    [
        pytest.param([{"type": "http.disconnect"}], id="before-the-body"),
        pytest.param(
            [
                {"type": "http.request", "body": b"part", "more_body": True},
                {"type": "http.disconnect"},
            ],
            id="mid-body",
        ),
    ],
)
def test_read_body_raises_client_disconnect(messages: list[dict[str, Any]]) -> None:
    with pytest.raises(ClientDisconnect):
        _read(messages)
