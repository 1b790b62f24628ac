"""docs/operations.md lists exactly the metrics the app exposes, and its alerts parse."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.core.metrics import REGISTRY

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def documented_metrics() -> set[str]:
    return set(re.findall(r"^\| `(tremor_[a-z_]+)` \|", DOC.read_text("utf-8"), re.MULTILINE))


def exposed_metrics() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        suffix = "_total" if family.type == "counter" else ""
        names.add(family.name + suffix)
    return names


def test_every_exposed_metric_is_documented_and_no_other() -> None:
    assert documented_metrics() == exposed_metrics()


def test_sample_alerts_are_valid_yaml_with_the_promised_rules() -> None:
    (block,) = re.findall(r"```yaml\n(.*?)```", DOC.read_text("utf-8"), re.DOTALL)
    rules = yaml.safe_load(block)["groups"][0]["rules"]
    alerts = {rule["alert"]: rule["expr"] for rule in rules}
    assert "tremor_http_requests_total" in alerts["TremorGuideHighErrorRate"]
    assert "tremor_http_request_duration_seconds_bucket" in alerts["TremorGuideSlowAssessments"]
    assert "tremor_degraded" in alerts["TremorGuideDegraded"]
    for expr in alerts.values():
        assert set(re.findall(r"tremor_[a-z_]+", expr)) <= exposed_metrics() | {
            "tremor_http_request_duration_seconds_bucket"
        }
