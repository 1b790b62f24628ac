"""The application factory: settings in, a configured FastAPI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.telemetry import TelemetryConfig
from fastapi_offline import FastAPIOffline

from app.api.admin import router as admin_router
from app.api.assessments import BatchRequest, hot_routes
from app.api.assessments import router as assessment_router
from app.api.content import router as content_router
from app.api.deps import single_query_values
from app.api.examples import attach_examples
from app.api.ops import router as ops_router
from app.api.outcomes import router as outcomes_router
from app.api.plan import router as plan_router
from app.api.webhooks import router as webhooks_router
from app.core.config import Settings, get_settings
from app.core.dbfaults import install_database_fault_handler
from app.core.errors import install_error_handlers
from app.core.fastlane import FastLane
from app.core.logging import AccessLog, configure_logging
from app.core.middleware import RequestMiddleware
from app.core.openapi import with_component_schemas
from app.core.openapi_finish import finish
from app.core.openapi_sdk import for_sdks
from app.core.openapi_split import subset
from app.core.proxy import TrustedProxyHeaders
from app.core.ratelimit import build_limiter
from app.lifespan import OneLineStartupFailure, make_lifespan
from app.web.router import router as web_router
from app.webhooks.schemas import EVENT_BODIES
from app.workout.context import WorkoutContext

DESCRIPTION = """\
Why do my legs shake after a workout? Post a workout context and get ranked causes with
the evidence that moved them, prevention tips, follow-up questions and a triage level.
All texts and ranking rules come from a versioned content store.

General information only: not medical advice.

Enumerations in answers (`triage.level`, `confidence`, `effect`, `kind`, warning codes, ...)
may gain values in later versions: clients should map an unknown value to a fallback rather
than fail (openapi-generator: `--additional-properties=enumUnknownDefaultCase=true`).
"""

TAGS = [
    {"name": "assessments", "description": "Rank the causes of shaking for a workout."},
    {"name": "content", "description": "The published causes, tips, FAQs and versions."},
    {
        "name": "admin",
        "description": "Drafts, publish, rollback, diff and the audit log (a key with a scope).",
    },
    {
        "name": "outcomes",
        "description": "Feedback on an answer, and what each content version's answers did.",
    },
    {
        "name": "webhooks",
        "description": "Signed calls to a receiver when content changes (content:write or admin).",
    },
    {"name": "operations", "description": "Probes and metrics for operators."},
]
# Where an app reaches a development server: "127.0.0.1" on a phone is the phone itself.
# The first entry is an SDK's default base URL; apps set their own (README: "From a phone").
SERVERS = [
    {
        "url": "https://tremor-guide.example.org",
        "description": "production: a placeholder for your deployment (HTTPS, as phones expect)",
        "x-internal": False,
    },
    {
        "url": "http://10.0.2.2:{port}",
        "description": "local: `make run` on this machine, seen from the Android emulator",
        "x-internal": True,
        "variables": {"port": {"default": "8000", "description": "PORT"}},
    },
    {
        "url": "http://localhost:{port}",
        "description": "local: `make run`, from this machine or the iOS simulator",
        "x-internal": True,
        "variables": {"port": {"default": "8000", "description": "PORT"}},
    },
    {
        "url": "http://{host}:{port}",
        "description": (
            "local: `HOST=0.0.0.0 make run`, from a phone on the same network: this machine's LAN "
            "address (cleartext HTTP needs an Android network security config or an iOS ATS "
            "exception)"
        ),
        "x-internal": True,
        "variables": {
            "host": {"default": "192.168.1.10", "description": "this machine's LAN address"},
            "port": {"default": "8000", "description": "PORT"},
        },
    },
]
LICENSE = {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}
# Operations that need a key whatever REQUIRE_API_KEYS says (the others: only when it is on).
ALWAYS_KEYED = ("/v1/admin/",)


_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings, servers read the environment."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app: FastAPI = FastAPIOffline(
        title="tremor-guide",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        servers=SERVERS,
        license_info=LICENSE,
        contact={"name": "tremor-guide maintainers"},
        lifespan=_with_limiter(settings),
        separate_input_output_schemas=False,
        telemetry=None if settings.otel_enabled else _TELEMETRY_OFF,
        dependencies=[Depends(single_query_values)],
        redirect_slashes=False,  # a trailing slash is a 404 problem, not a bare 307
    )
    app.state.limiter = None  # set at start-up, on the event loop that will use it
    install_error_handlers(app)
    install_database_fault_handler(app)
    app.openapi = with_component_schemas(  # type: ignore[method-assign]
        app,
        [WorkoutContext, BatchRequest],
        _finish_spec,
        webhooks={event.value: body for event, body in EVENT_BODIES.items()},
    )
    app.include_router(assessment_router)
    app.include_router(content_router)
    app.include_router(plan_router)
    app.include_router(admin_router)
    app.include_router(outcomes_router)
    app.include_router(webhooks_router)
    app.include_router(ops_router)
    app.include_router(web_router)
    app.add_middleware(FastLane, routes=hot_routes())  # innermost: CORS still applies
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Accept-Language",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "X-Request-ID", "Content-Language", "Retry-After"],
        )
    app.add_middleware(
        RequestMiddleware,
        max_body_bytes=settings.max_body_bytes,
        access_log=AccessLog(settings.log_level),
        request_timeout_s=settings.request_timeout_s,
    )
    app.add_middleware(OneLineStartupFailure)
    if settings.forwarded_allow_ips:  # outermost: the log and the limits see the real client
        app.add_middleware(TrustedProxyHeaders, trusted=settings.forwarded_allow_ips)
    return app


def _with_limiter(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The process lifespan, plus the rate limiter (its Redis client belongs to this loop)."""
    inner = cast(Callable[[FastAPI], AbstractAsyncContextManager[None]], make_lifespan(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.limiter = build_limiter(settings)
        try:
            async with inner(app):
                yield
        finally:
            limiter, app.state.limiter = app.state.limiter, None
            if limiter is not None:
                await limiter.close()

    return lifespan


def _finish_spec(spec: dict[str, Any]) -> dict[str, Any]:
    return attach_examples(for_sdks(finish(spec, keyed_prefixes=ALWAYS_KEYED)))


def openapi_document(app: FastAPI | None = None) -> dict[str, Any]:
    """The spec the service serves, as committed to openapi/openapi.json."""
    return (app or create_app(Settings(database_url="sqlite://"))).openapi()


def _for_apps(path: str, operation: dict[str, Any]) -> bool:
    return not path.startswith(ALWAYS_KEYED) and "operations" not in operation.get("tags", [])


def published_documents(app: FastAPI | None = None) -> dict[str, dict[str, Any]]:
    """The committed specs by file name: the whole served one, the app's and the admin's
    (an app generates its SDK from app.json and so ships no admin client)."""
    whole = openapi_document(app)
    return {
        "openapi.json": whole,
        "app.json": subset(whole, _for_apps, webhooks=False, title="tremor-guide (app operations)"),
        "admin.json": subset(
            whole,
            lambda path, operation: not _for_apps(path, operation),
            webhooks=True,
            title="tremor-guide (admin and operations)",
        ),
    }
