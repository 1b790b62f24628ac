"""Fixtures of the webhook tests: a key to seal secrets, a receiver, an app that delivers fast."""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.core.config import Settings
from app.main import create_app
from tests.e2e.conftest import e2e_database_url, start_server
from tests.webhooks.receiver import Receiver, running_receiver

__all__ = ["e2e_database_url", "start_server"]  # the live-server fixtures, for test_live.py

WEBHOOK_KEY = base64.b64encode(os.urandom(32)).decode()
FAST: dict[str, Any] = {
    "webhook_secret_key": SecretStr(WEBHOOK_KEY),
    "webhook_allow_private_targets": True,  # the receiver listens on 127.0.0.1
    "webhook_poll_interval_s": 0.05,
    "webhook_retry_base_s": 0.05,
    "webhook_retry_cap_s": 0.2,
    "webhook_lease_s": 5,
}


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def webhook_log() -> Iterator[list[str]]:
    """The messages the `app.webhooks` logger emits during the test, whatever the app's own
    logging set-up does with them."""
    handler = _Kept()
    logger = logging.getLogger("app.webhooks")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=FAST)


@pytest.fixture
def make_client(webhook_settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Start the app with the fast webhook settings, changed by keyword."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(
            create_app(webhook_settings.model_copy(update=overrides)),
            raise_server_exceptions=False,
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def wh_client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def subscribe(
    client: TestClient, headers: dict[str, str], url: str, *events: str, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/admin/webhooks",
        json={"url": url, "events": list(events or ["content.published"]), **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def publish_new_draft(client: TestClient, headers: dict[str, str]) -> int:
    draft = client.post("/v1/admin/content/versions", json={}, headers=headers)
    assert draft.status_code == 201, draft.text
    version: int = draft.json()["version"]
    published = client.post(
        f"/v1/admin/content/versions/{version}/publish", json={}, headers=headers
    )
    assert published.status_code == 200, published.text
    return version
