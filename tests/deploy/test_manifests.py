"""The deployment files are valid and agree with the app (Docker does not run here).

Kubernetes manifests are validated against the Kubernetes 1.37 schemas in strict mode
(kubernetes-validate), docker-compose.yml against the Compose specification (the schema
vendored by check-jsonschema); both offline. Then the cross-file facts a schema cannot see:
probes on the real routes, selectors that match, the image's command, settings that exist.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.cli import build_parser
from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.37.0"
SERVE = ["tremor-guide", "serve", "--host", "0.0.0.0", "--port", "8000"]
SETTINGS = {name.upper() for name in Settings.model_fields}


def k8s_objects() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, doc)
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in yaml.safe_load_all(path.read_text("utf-8"))
        if doc
    ]


def by_kind(kind: str, name: str = "tremor-guide") -> dict[str, Any]:
    (found,) = [
        doc for _, doc in k8s_objects() if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    return found


@pytest.mark.parametrize(("name", "doc"), k8s_objects(), ids=lambda value: str(value)[:40])
def test_kubernetes_manifest_is_valid(name: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
    expected = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert set(kustomization["resources"]) == expected


def test_deployment_probes_serves_and_is_selected() -> None:
    deployment, service = by_kind("Deployment"), by_kind("Service")
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    (container,) = pod["spec"]["containers"]
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert (
        by_kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    )

    port = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert container["command"] == [*SERVE, "--workers", "1"]
    assert port == 8000 and service["spec"]["ports"][0]["targetPort"] == "http"
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"

    refs = {(key, ref[key]["name"]) for ref in container["envFrom"] for key in ref}
    assert refs == {
        ("configMapRef", by_kind("ConfigMap")["metadata"]["name"]),
        ("secretRef", by_kind("Secret")["metadata"]["name"]),
    }
    assert set(by_kind("ConfigMap")["data"]) <= SETTINGS
    assert set(by_kind("Secret")["stringData"]) == {"DATABASE_URL", "ADMIN_API_KEY"}


def test_autoscaler_targets_the_deployment() -> None:
    hpa, deployment = by_kind("HorizontalPodAutoscaler"), by_kind("Deployment")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert (
        hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    )
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["requests"]["cpu"], "CPU utilisation needs a CPU request"


def test_every_pod_counts_rate_limits_in_one_redis() -> None:
    """Without a shared counter each pod counts alone: 2 pods, twice each limit (issue 27)."""
    url = urlsplit(by_kind("ConfigMap")["data"]["REDIS_URL"])
    redis, service = (
        by_kind("Deployment", url.hostname or ""),
        by_kind("Service", url.hostname or ""),
    )
    assert url.scheme == "redis" and url.path in ("", "/0")
    assert redis["spec"]["replicas"] == 1, "one counter store, or the pods count apart again"
    pod = redis["spec"]["template"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert redis["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    (port,) = service["spec"]["ports"]
    assert (url.port or 6379) == port["port"] and ports[port["targetPort"]] == 6379
    # The app's own pods are not selected by the Redis Service, nor Redis by the app's.
    app_labels = by_kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert not service["spec"]["selector"].items() <= app_labels.items()
    assert not by_kind("Service")["spec"]["selector"].items() <= pod["metadata"]["labels"].items()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text("utf-8"))
    return document


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendored / "compose-spec.json").read_text("utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(compose)
    ]
    assert not errors


def test_compose_runs_two_replicas_behind_the_proxy_on_postgresql(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app, proxy, postgres = services["app"], services["proxy"], services["postgres"]
    assert app["deploy"]["replicas"] >= 2
    assert app["command"] == [*SERVE, "--workers", "1"]
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in app["environment"]["DATABASE_URL"]
    assert set(app["environment"]) <= SETTINGS
    assert "ports" not in app, "replicas are reached through the proxy only"
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "healthcheck" in postgres
    # The README's examples use localhost:8000, which is where the proxy listens.
    assert proxy["ports"] == ["8000:80"]
    nginx = (DEPLOY / "nginx.conf").read_text("utf-8")
    assert re.search(r"^\s*server app:8000\b", nginx, re.MULTILINE)
    assert re.search(r"^\s*listen 80;", nginx, re.MULTILINE)
    assert any(v.startswith("./nginx.conf:") for v in proxy["volumes"])
    # Rate limits see each user: the app believes the proxy, which sets (not appends to)
    # X-Forwarded-For, since with "*" the app takes its first entry.
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    assert re.search(r"^\s*proxy_set_header X-Forwarded-For \$remote_addr;", nginx, re.MULTILINE)


def test_compose_replicas_count_rate_limits_in_one_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app, redis = services["app"], services["redis"]
    url = urlsplit(app["environment"]["REDIS_URL"])
    assert (url.scheme, url.hostname, url.port or 6379) == ("redis", "redis", 6379)
    assert redis.get("deploy", {}).get("replicas", 1) == 1
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in redis


def test_the_image_runs_the_serve_command_the_tests_run() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    command = json.loads(cmd)
    assert command == SERVE
    # `tremor-guide` is app.cli:main, the same entry point as the tests' `python -m app`.
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert 'tremor-guide = "app.cli:main"' in pyproject
    args = build_parser().parse_args(command[1:])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 8000)
