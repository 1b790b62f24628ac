"""One pure ASGI middleware for the cross-cutting work every request needs.

Pure ASGI rather than BaseHTTPMiddleware: it adds no task or stream per request, which
matters on the assessment hot path. It does, in order: request id (accepted or made),
the body size limit (413 before the body is parsed), the body timeout (503 when the body has
not arrived in time), security and rate-limit headers, one log line and the request metrics.
"""

from __future__ import annotations

import asyncio
import re
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from app.core.ids import new_id
from app.core.logging import AccessLog, request_id_var
from app.core.metrics import REQUEST_METRICS
from app.core.ratelimit import SCOPE_KEY as RATELIMIT_KEY
from app.core.ratelimit import rate_limit_headers

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_STATIC_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


_SLUGS = {413: "payload-too-large", 503: "unavailable"}


def _problem_body(status: int, title: str, detail: str, path: str) -> bytes:
    return orjson.dumps(
        {
            "type": PROBLEM_TYPE_BASE + _SLUGS.get(status, str(status)),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
        }
    )


class _Watchdog:
    """Cancels requests whose body has not arrived by their deadline (a stalled upload).

    One timer per process, ticking once a second while some request is waiting for its body,
    instead of a timer per request (which costs over 2 % of a request: docs/performance.md,
    "Pieces"). Only a task blocked reading the body is ever cancelled, so no handler is cut
    short half way through its work; the work itself is bounded elsewhere (the database's
    statement, lock and connect timeouts, Redis' socket timeout).
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.waiting: dict[asyncio.Task[object], float] = {}
        self.expired: set[asyncio.Task[object]] = set()
        self._armed = False

    def wait(self, task: asyncio.Task[object], deadline: float) -> None:
        self.waiting[task] = deadline
        if not self._armed:
            self._armed = True
            asyncio.get_running_loop().call_later(min(1.0, self.timeout_s), self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        for task, deadline in list(self.waiting.items()):
            if deadline <= now and task not in self.expired:
                self.expired.add(task)
                task.cancel()
        if self.waiting:
            asyncio.get_running_loop().call_later(min(1.0, self.timeout_s), self._tick)
        else:
            self._armed = False


class RequestMiddleware:
    """Request id, body limit, body timeout, security headers, access log line and metrics."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        access_log: AccessLog,
        request_timeout_s: float = 30.0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.access_log = access_log
        self.request_timeout_s = request_timeout_s
        self._watchdog = _Watchdog(request_timeout_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming_id, declared = _read_headers(scope)
        request_id = incoming_id or new_id()
        token = request_id_var.set(request_id)
        added_headers = [(b"x-request-id", request_id.encode("ascii")), *_STATIC_HEADERS]
        status_holder = [500]
        response_started = False
        too_large = False
        limit = self.max_body_bytes

        async def send_wrapper(message: Message) -> None:
            nonlocal response_started
            if too_large:
                return  # the 413 went out already; whatever the app says now is dropped
            if message["type"] == "http.response.start":
                response_started = True
                status_holder[0] = message["status"]
                headers = [*message.get("headers", ()), *added_headers]
                hit = scope.get(RATELIMIT_KEY)
                if hit is not None:
                    headers += rate_limit_headers(hit)
                message["headers"] = headers
            await send(message)

        received = 0

        async def receive_limited() -> Message:
            # A body without Content-Length (chunked) is counted as it arrives; once past the
            # limit, the 413 is sent and the app sees a disconnect, so it stops reading.
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not response_started:
                        await self._send_too_large(scope, send_wrapper, limit)
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        # With a Content-Length the server itself stops at that many bytes, so only a
        # chunked body needs counting.
        read = receive if declared is not None else receive_limited
        watchdog = self._watchdog
        deadline = started + self.request_timeout_s

        async def receive_timed() -> Message:
            if response_started:
                return await read()  # a disconnect listener, not a body read: no deadline
            task = asyncio.current_task()
            if task is None:
                return await read()
            watchdog.wait(task, deadline)
            try:
                return await read()
            finally:
                watchdog.waiting.pop(task, None)

        try:
            if declared is not None and declared > limit:
                await self._send_too_large(scope, send_wrapper, limit)
                return
            await self.app(scope, receive_timed, send_wrapper)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task not in watchdog.expired or task.uncancel() > 0:
                raise  # not (only) our timeout: a shutdown, a disconnect...
            if not response_started:
                await self._send_timeout(scope, send_wrapper)
        finally:
            if watchdog.expired:
                watchdog.expired.discard(asyncio.current_task())
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            status = status_holder[0]
            REQUEST_METRICS.observe(template, method, status, elapsed)
            if self.access_log.enabled:
                self.access_log.write(
                    request_id,
                    method,
                    scope["path"],
                    template,
                    status,
                    round(elapsed * 1_000_000) / 1000,  # ms to 3 decimals, by scaling
                )
            request_id_var.reset(token)

    @staticmethod
    async def _send_too_large(scope: Scope, send: Send, limit: int) -> None:
        detail = f"The request body is larger than the limit of {limit} bytes."
        await _send_problem(send, scope, 413, "Content Too Large", detail)

    async def _send_timeout(self, scope: Scope, send: Send) -> None:
        detail = f"The request body did not arrive within {self.request_timeout_s:g} s."
        await _send_problem(
            send, scope, 503, "Service Unavailable", detail, [(b"retry-after", b"5")]
        )


async def _send_problem(
    send: Send,
    scope: Scope,
    status: int,
    title: str,
    detail: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer from the middleware itself (before or instead of the app) and close."""
    body = _problem_body(status, title, detail, scope["path"])
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra_headers or []),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _read_headers(scope: Scope) -> tuple[str | None, int | None]:
    """The acceptable X-Request-ID and the Content-Length, in one pass over the headers."""
    request_id: str | None = None
    length: int | None = None
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif key == b"x-request-id":
            try:
                candidate = value.decode("ascii")
            except UnicodeDecodeError:
                continue
            if _REQUEST_ID_OK.match(candidate):
                request_id = candidate
    return request_id, length
