"""Prometheus metrics: the request series and the domain series operators alert on."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

REQUESTS = Counter(
    "tremor_http_requests",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    "tremor_http_request_duration_seconds",
    "Request latency by route template.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
ASSESSMENTS = Counter(
    "tremor_assessments",
    "Assessments by triage level and top-ranked cause.",
    ["triage", "top_cause"],
    registry=REGISTRY,
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_DURATION.labels(route, method).observe(seconds)


def count_assessment(triage: str, top_cause: str) -> None:
    ASSESSMENTS.labels(triage, top_cause).inc()


CONTENT_VERSION = Gauge(
    "tremor_content_current_version", "The content version this process serves.", registry=REGISTRY
)
CONTENT_EVENTS = Counter(
    "tremor_content_events_total",
    "Publishes and rollbacks done through this process.",
    ["action"],
    registry=REGISTRY,
)
DEGRADED = Gauge(
    "tremor_degraded", "1 when the database cannot be reached, else 0.", registry=REGISTRY
)
