"""Prometheus metrics: the request series and the domain series operators alert on."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
BUCKET_NAMES = [*(str(bound) for bound in LATENCY_BUCKETS), "+Inf"]


class RequestMetrics:
    """Request counts and latency histograms, kept in plain lists and exported at scrape time.

    prometheus_client's Counter and Histogram take a lock and look up labels on every update;
    these series are only updated from the event loop's thread, so plain arithmetic is
    enough (with the assessment counts, over 2 % of a request: docs/performance.md,
    "Pieces"). A scrape reads a consistent-enough snapshot: counters only grow.
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], list[int]] = {}
        # (route, method) -> [bucket counts..., +Inf count], [sum]
        self.latency: dict[tuple[str, str], tuple[list[int], list[float]]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, str(status))
        count = self.counts.get(key)
        if count is None:
            count = self.counts[key] = [0]
        count[0] += 1
        series = self.latency.get((route, method))
        if series is None:
            series = self.latency[(route, method)] = ([0] * (len(LATENCY_BUCKETS) + 1), [0.0])
        series[0][bisect_left(LATENCY_BUCKETS, seconds)] += 1
        series[1][0] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "tremor_http_requests",
            "HTTP requests by route template, method and status.",
            labels=["route", "method", "status"],
        )
        for key, counter in list(self.counts.items()):
            requests.add_metric(list(key), counter[0])
        yield requests
        latency = HistogramMetricFamily(
            "tremor_http_request_duration_seconds",
            "Request latency by route template.",
            labels=["route", "method"],
        )
        for pair, (buckets, total) in list(self.latency.items()):
            cumulative: list[tuple[str, float]] = []
            running = 0
            for bound, in_bucket in zip(BUCKET_NAMES, buckets, strict=True):
                running += in_bucket
                cumulative.append((bound, running))
            latency.add_metric(list(pair), cumulative, total[0])
        yield latency


REQUEST_METRICS = RequestMetrics()
REGISTRY.register(REQUEST_METRICS)


class AssessmentCounts:
    """Assessments by triage level and top-ranked cause, counted in a plain dict and exported
    at scrape time: like the request series, updated only from the event loop's thread, so
    the client library's lock and label lookup are not needed on every assessment."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def count(self, triage: str, top_cause: str) -> None:
        key = (triage, top_cause)
        self.counts[key] = self.counts.get(key, 0) + 1

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "tremor_assessments",
            "Assessments by triage level and top-ranked cause.",
            labels=["triage", "top_cause"],
        )
        for key, total in list(self.counts.items()):
            family.add_metric(list(key), total)
        yield family


ASSESSMENT_COUNTS = AssessmentCounts()
REGISTRY.register(ASSESSMENT_COUNTS)
count_assessment = ASSESSMENT_COUNTS.count


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
