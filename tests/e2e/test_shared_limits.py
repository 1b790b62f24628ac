"""The shipped deployments share their rate limits: two replicas, one limit (issue 27, 9).

Two `tremor-guide serve` processes on one database, each started with the settings that
`deploy/docker-compose.yml` (or `deploy/k8s/configmap.yaml`) gives its replicas, their Redis
host pointed at the test's Redis (with a key prefix of the test's own). Requests alternate
between the two; the 429 comes after exactly the limit in total, as with one replica. Without
`REDIS_URL` in the deployment each replica counted alone and the 429 came after twice it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import yaml

from tests.e2e.conftest import LiveServer
from tests.reliability.conftest import redis_prefix, redis_url

__all__ = ["redis_prefix", "redis_url"]  # the Redis fixtures, with their key cleanup

pytestmark = pytest.mark.e2e

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
LIMIT = 5
WORKOUT = {"activity": {"type": "running", "duration_min": 40}}
DAY_S = 86_400


def deployed_settings(deployment: str) -> dict[str, str]:
    """The app's settings as the deployment file sets them (interpolated secrets aside)."""
    if deployment == "compose":
        compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text("utf-8"))
        settings: dict[str, Any] = compose["services"]["app"]["environment"]
    else:
        settings = yaml.safe_load((DEPLOY / "k8s" / "configmap.yaml").read_text("utf-8"))["data"]
    return {k: str(v) for k, v in settings.items() if "${" not in str(v) and k != "DATABASE_URL"}


def on_this_machine(deployed: str, test_redis: str) -> str:
    """The deployment's Redis URL with the test Redis' host and port (its database kept)."""
    here = urlsplit(test_redis)
    return urlunsplit(urlsplit(deployed)._replace(netloc=here.netloc))


@pytest.mark.parametrize("deployment", ["compose", "k8s"])
def test_two_replicas_of_the_shipped_deployment_share_one_limit(
    start_server: Callable[..., LiveServer], redis_url: str, redis_prefix: str, deployment: str
) -> None:
    settings = deployed_settings(deployment)
    assert "REDIS_URL" in settings, (
        f"{deployment} ships no shared counter: each replica counts alone"
    )
    env = {
        **settings,
        "REDIS_URL": on_this_machine(settings["REDIS_URL"], redis_url),
        "RATE_LIMIT_PREFIX": redis_prefix,
        "RATE_LIMIT_ASSESS": f"{LIMIT}/day",  # windows follow the clock: a day, not a minute
        "LOG_LEVEL": "WARNING",
        "WEBHOOK_WORKER_ENABLED": "false",
    }
    replicas = [start_server(**env), start_server(**env)]
    day = int(time.time() // DAY_S)
    with httpx.Client(timeout=10) as http:
        statuses = [
            http.post(f"{replicas[i % 2].url}/v1/assessments", json=WORKOUT).status_code
            for i in range(2 * LIMIT + 2)
        ]
    if int(time.time() // DAY_S) != day:
        pytest.skip("the day's window turned during the test")  # once a day, at midnight UTC
    assert statuses == [200] * LIMIT + [429] * (LIMIT + 2)
