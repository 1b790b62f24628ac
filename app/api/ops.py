"""Probes and metrics for operators and orchestrators."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from app.api.authorization import MetricsReader
from app.api.deps import ServicesDep
from app.core.errors import problem_responses
from app.core.metrics import REGISTRY

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """The process answers."""

    status: str = Field(description="Always ok when the process can answer.")


class Readiness(BaseModel):
    """Whether this process should receive traffic, and why not."""

    status: str = Field(description="ready or degraded.")
    content_version: int | None = Field(description="The version this process serves.")
    database: str = Field(
        description=(
            "ok, unreachable, not_answering (a check has waited longer than "
            "READINESS_TIMEOUT_S), or missing_tables (run `tremor-guide migrate`)."
        )
    )
    reason: str | None = Field(default=None, description="Why the process is degraded.")


@router.get("/healthz", operation_id="get_health", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process is up (it says nothing about the database)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="get_readiness",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Degraded: see reason."}},
)
async def readyz(services: ServicesDep, response: Response) -> Readiness:
    """Readiness: the database answers and a current content version is loaded."""
    cache = services.cache
    database, reason = cache.database_state, cache.degraded_reason
    # Never a query of its own: the poller's check in flight tells a hung database at once,
    # and a probe cannot pile up waiting connections on it.
    started, timeout = cache.check_started_at, services.settings.readiness_timeout_s
    if reason is None and started is not None and time.monotonic() - started > timeout:
        database, reason = "not_answering", f"database has not answered within {timeout:g} s"
    if reason is None and cache.current_version is None:
        reason = "no content version loaded"
    if reason is not None:
        response.status_code = 503
    return Readiness(
        status="degraded" if reason else "ready",
        content_version=cache.current_version,
        database=database,
        reason=reason,
    )


@router.get(
    "/metrics",
    operation_id="get_metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 429, 503),
    },
)
async def metrics(_reader: MetricsReader) -> Response:
    """Prometheus metrics in the text exposition format; with REQUIRE_API_KEYS, a key with
    the metrics (or admin) scope."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
