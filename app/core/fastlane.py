"""Serve the hottest operations straight from the ASGI layer, past the framework's machinery.

FastAPI's per-request path (exception middleware, exit stack, route matching, wrappers,
dependency solving) costs about as much as a whole bare endpoint (docs/performance.md). The
endpoints that parse their own request (`async def f(request) -> Response`) are called here
directly with what the framework would give them: a `Request`, `scope["route"]` for the log
and metrics, the app's own exception handlers. The routes stay declared on their router, so
the spec and every other method are unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, get_type_hints

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]
ExceptionHandler = Callable[[Request, Exception], Any]


def lane_route(route: APIRoute) -> APIRoute:
    """Check that `route` can skip the framework: one `Request` parameter, no dependencies,
    a coroutine returning a `Response` itself (nothing for FastAPI to validate or encode)."""
    dependant = route.dependant
    declared = (
        dependant.dependencies,
        dependant.path_params,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
        dependant.background_tasks_param_name,
        dependant.response_param_name,
        dependant.http_connection_param_name,
        dependant.websocket_param_name,
        dependant.security_scopes_param_name,
    )
    if any(declared) or not inspect.iscoroutinefunction(route.endpoint):
        raise ValueError(f"{route.path} declares parameters: it cannot take the fast lane")
    if dependant.request_param_name is None:
        raise ValueError(f"{route.path} does not take the request: it cannot take the fast lane")
    returns = get_type_hints(route.endpoint).get("return")
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        raise ValueError(f"{route.path} does not return a Response: it cannot take the fast lane")
    return route


class FastLane:
    """ASGI middleware: calls the endpoints of `routes` directly; everything else passes on."""

    def __init__(self, app: ASGIApp, *, routes: Iterable[APIRoute]) -> None:
        self.app = app
        self.routes: dict[tuple[str, str], APIRoute] = {
            (method, route.path): lane_route(route)
            for route in routes
            for method in route.methods or ()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            root_path: str = scope.get("root_path", "")
            if root_path and path.startswith(root_path):
                path = path[len(root_path) :]
            route = self.routes.get((scope["method"], path))
            if route is not None:
                await self._serve(route, scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _serve(route: APIRoute, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = route
        request = Request(scope, receive)
        endpoint: Endpoint = route.endpoint
        try:
            response = await endpoint(request)
        except ClientDisconnect:
            return  # the client left, or the middleware already answered 413: nothing to send
        except Exception as exc:
            handler = _handler_for(scope["app"].exception_handlers, exc)
            if handler is None:
                raise  # unexpected: the server-error middleware logs it and answers 500
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
        await response(scope, receive, send)


def _handler_for(
    handlers: Mapping[Any, ExceptionHandler], exc: Exception
) -> ExceptionHandler | None:
    """The handler the framework's exception middleware would pick: one registered for an
    HTTP exception's status code, else the one for the nearest class.

    The catch-all `Exception` handler is left to the server-error middleware, as it is for
    routes on the normal path, so an unexpected error is logged and answered the same way.
    """
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]  # a handler for the status code comes first
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        handler = handlers.get(cls)
        if handler is not None:
            return handler
    return None


async def read_body(request: Request) -> bytes:
    """The whole request body, read straight off the ASGI channel.

    For lane endpoints, which read their body once: Starlette's `Request.body` keeps a copy
    for later readers and goes through an async generator to get it, a cost paid on every
    request for nothing here. A disconnect (or the 413 the middleware already sent) raises
    `ClientDisconnect`, as `Request.body` does.
    """
    message = await request.receive()
    if message["type"] != "http.request":
        raise ClientDisconnect
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    chunks = [body]
    while True:
        message = await request.receive()
        if message["type"] != "http.request":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
