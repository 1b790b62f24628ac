"""The delivery worker: one per process, but only the holder of the `webhooks` lease sends.

Each round takes (or renews) the database lease, reads the due pending deliveries, posts
them concurrently and records every try in its own transaction. A delivery changes state
only after its try is recorded, so a process killed mid-round leaves it pending and the
next lease holder sends it again: at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.config import Settings
from app.core.models import as_utc, utcnow
from app.webhooks import repository
from app.webhooks.models import DeliveryStatus, WebhookAttempt
from app.webhooks.service import mark_unsealable, sealing_key
from app.webhooks.signing import UnsealError, sign, unseal
from app.webhooks.ssrf import TargetError, resolve

logger = logging.getLogger("app.webhooks")

LEASE_NAME = "webhooks"
BATCH_SIZE = 10
USER_AGENT = "tremor-guide-webhooks/1"


@dataclass(frozen=True)
class DueDelivery:
    delivery_id: int
    subscription_id: str
    url: str
    sealed_secret: str
    event_id: str
    payload: str
    event_created_at: datetime
    attempts: int


@dataclass(frozen=True)
class TryResult:
    status_code: int | None
    error: str | None
    duration_ms: int


def retry_delay(attempts_made: int, base_s: float, cap_s: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(n-1)))."""
    ceiling = min(cap_s, base_s * 2 ** max(attempts_made - 1, 0))
    return random.uniform(0, ceiling)


def signed_headers(secret: str, event_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class WebhookWorker:
    def __init__(self, engine: Engine, settings: Settings, holder: str | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.key: bytes | None = None  # read on the first delivery (see `service.sealing_key`)

    # --- database steps (run in a thread) -----------------------------------------------------

    def _take_lease(self) -> bool:
        with Session(self.engine) as session:
            return repository.take_lease(
                session, LEASE_NAME, self.holder, self.settings.webhook_lease_s
            )

    def release(self) -> None:
        with Session(self.engine) as session:
            repository.release_lease(session, LEASE_NAME, self.holder)

    def _due(self) -> list[DueDelivery]:
        with Session(self.engine, expire_on_commit=False) as session:
            rows = repository.due_deliveries(session, utcnow(), BATCH_SIZE)
            if rows and self.key is None:
                self.key = sealing_key(session, self.settings.webhook_secret_key)
            return [
                DueDelivery(
                    delivery_id=delivery.id or 0,
                    subscription_id=subscription.id,
                    url=subscription.url,
                    sealed_secret=subscription.secret_encrypted,
                    event_id=event.id,
                    payload=event.payload,
                    event_created_at=as_utc(event.created_at) or utcnow(),
                    attempts=delivery.attempts,
                )
                for delivery, event, subscription in rows
            ]

    def _record(self, due: DueDelivery, result: TryResult, at: datetime) -> None:
        settings = self.settings
        ok = result.status_code is not None and 200 <= result.status_code < 300
        deadline = due.event_created_at + timedelta(seconds=settings.webhook_max_age_s)
        if ok:
            status, next_at = DeliveryStatus.delivered, at
        elif at >= deadline:
            status, next_at = DeliveryStatus.failed, at
        else:
            delay = retry_delay(
                due.attempts + 1, settings.webhook_retry_base_s, settings.webhook_retry_cap_s
            )
            # The last try falls on the deadline rather than past it.
            status, next_at = DeliveryStatus.pending, min(at + timedelta(seconds=delay), deadline)
        with Session(self.engine) as session:
            repository.record_attempt(
                session,
                due.delivery_id,
                WebhookAttempt(
                    delivery_id=due.delivery_id,
                    at=at,
                    status_code=result.status_code,
                    error=result.error,
                    duration_ms=result.duration_ms,
                ),
                status=status,
                next_attempt_at=next_at,
                subscription_id=due.subscription_id,
            )

    def _unsealable(self, subscription_id: str) -> None:
        with Session(self.engine) as session:
            mark_unsealable(session, subscription_id)

    # --- one try -----------------------------------------------------------------------------

    async def _try(self, client: httpx.AsyncClient, due: DueDelivery) -> TryResult:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        if self.key is None:
            return TryResult(None, "no key to unseal the secret with", 0)  # `_due` reads it
        try:
            secret = unseal(self.key, due.sealed_secret, due.subscription_id)
        except UnsealError as exc:
            await asyncio.to_thread(self._unsealable, due.subscription_id)
            return TryResult(None, f"cannot read the secret: {exc}", 0)
        try:
            # Again at every try: the name may point elsewhere since the webhook was created.
            target = await asyncio.to_thread(
                resolve, due.url, allow_private=self.settings.webhook_allow_private_targets
            )
        except TargetError as exc:
            return TryResult(None, f"target refused: {exc}", elapsed())
        url = httpx.URL(due.url)
        body = due.payload.encode()
        headers = signed_headers(secret, due.event_id, body, int(time.time()))
        headers["host"] = url.netloc.decode("ascii")
        # Connect to the address just checked, not to a second resolution of the name;
        # TLS still verifies the certificate against the host name (SNI).
        pinned = url.copy_with(host=target.address)
        extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
        try:
            response = await client.post(
                pinned, content=body, headers=headers, extensions=extensions
            )
        except httpx.HTTPError as exc:
            return TryResult(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
        return TryResult(response.status_code, None, elapsed())

    # --- the loop ------------------------------------------------------------------------------

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One round: if this process holds the lease, try every due delivery (a batch);
        returns how many were tried."""
        if not await asyncio.to_thread(self._take_lease):
            return 0
        due = await asyncio.to_thread(self._due)
        if not due:
            return 0
        results = await asyncio.gather(*(self._try(client, item) for item in due))
        at = utcnow()
        for item, result in zip(due, results, strict=True):
            await asyncio.to_thread(self._record, item, result, at)
        return len(due)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        )

    async def run_forever(self) -> None:
        failing = False
        async with self.client() as client:
            while True:
                tried = 0
                try:
                    tried = await self.run_once(client)
                except Exception as exc:
                    # Once per outage, not once per round: a database that is gone for a
                    # minute would otherwise fill the log with the same traceback.
                    if not failing:
                        logger.warning(
                            "webhook deliveries paused: %s", str(exc).splitlines()[0][:300]
                        )
                    failing = True
                else:
                    if failing:
                        logger.info("webhook deliveries resumed")
                    failing = False
                if tried < BATCH_SIZE:  # a full batch: more may be due, go on at once
                    await asyncio.sleep(self.settings.webhook_poll_interval_s)

    async def stop(self, task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Hand the lease over at once rather than after it expires.
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.release)
