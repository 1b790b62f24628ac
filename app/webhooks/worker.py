"""The delivery worker: one per process, but only the holder of the `webhooks` lease sends.

Each round takes (or renews) the database lease, reads the due pending deliveries and starts
a try for each, without waiting for the tries of earlier rounds: a slow receiver holds only
its own slots (`PER_SUBSCRIPTION`) of the process's `MAX_IN_FLIGHT`, never the others'
deliveries. A try has one deadline for the whole exchange (connect, send, the status line and
headers), shorter than the lease that rounds renew, so no try outlives the lease it started
under and another replica never sends the same delivery at the same time. Every try is
recorded in its own transaction, and a delivery changes state only after its try is recorded,
so a process killed mid-try leaves it pending and the next lease holder sends it again: at
least once.
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
from collections import Counter
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
# Tries in flight at once in this process, and of them at most this many to one subscription:
# a receiver that never answers ties up its own two, the rest go on.
MAX_IN_FLIGHT = 16
PER_SUBSCRIPTION = 2
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
        self.in_flight: dict[int, str] = {}  # delivery id -> subscription id, tries under way
        self.tasks: set[asyncio.Task[None]] = set()
        self.slot_freed = asyncio.Event()

    # --- database steps (run in a thread) -----------------------------------------------------

    def _take_lease(self) -> bool:
        with Session(self.engine) as session:
            return repository.take_lease(
                session, LEASE_NAME, self.holder, self.settings.webhook_lease_s
            )

    def release(self) -> None:
        with Session(self.engine) as session:
            repository.release_lease(session, LEASE_NAME, self.holder)

    def _due(self, limit: int, busy: frozenset[str], trying: frozenset[int]) -> list[DueDelivery]:
        with Session(self.engine, expire_on_commit=False) as session:
            rows = repository.due_deliveries(
                session,
                utcnow(),
                limit,
                per_subscription=PER_SUBSCRIPTION,
                skip_deliveries=trying,
                skip_subscriptions=busy,
            )
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
        deadline = self.attempt_deadline_s()
        try:
            # One deadline for the whole exchange, not httpx's per-read timeout that a receiver
            # trickling a byte at a time resets forever; the body of the answer is never read,
            # its status is the receiver's whole say.
            async with asyncio.timeout(deadline):
                async with client.stream(
                    "POST", pinned, content=body, headers=headers, extensions=extensions
                ) as response:
                    status = response.status_code
        except TimeoutError:
            return TryResult(None, f"no answer within {deadline:g} s", elapsed())
        except httpx.HTTPError as exc:
            return TryResult(None, f"{type(exc).__name__}: {exc}"[:500], elapsed())
        return TryResult(status, None, elapsed())

    def attempt_deadline_s(self) -> float:
        """WEBHOOK_TIMEOUT_S, but never more than half the lease: a try started just after a
        renewal ends before that renewal lapses, even if no later renewal gets through."""
        return min(self.settings.webhook_timeout_s, self.settings.webhook_lease_s / 2)

    # --- the loop ------------------------------------------------------------------------------

    async def _deliver(self, client: httpx.AsyncClient, due: DueDelivery) -> None:
        try:
            result = await self._try(client, due)
            await asyncio.to_thread(self._record, due, result, utcnow())
        except Exception as exc:  # left pending: the next round tries it again
            logger.warning("webhook delivery %s not recorded: %s", due.delivery_id, exc)
        finally:
            del self.in_flight[due.delivery_id]
            self.slot_freed.set()

    async def start_round(self, client: httpx.AsyncClient) -> tuple[int, bool]:
        """If this process holds the lease (taken or renewed here), start a try for each due
        delivery it has room for; how many were started, and whether it was out of room (a
        full batch: more may be due at once)."""
        if not await asyncio.to_thread(self._take_lease):
            return 0, False
        room = MAX_IN_FLIGHT - len(self.in_flight)
        if room <= 0:
            return 0, True
        per_subscription = Counter(self.in_flight.values())
        busy = frozenset(s for s, n in per_subscription.items() if n >= PER_SUBSCRIPTION)
        due = await asyncio.to_thread(self._due, room, busy, frozenset(self.in_flight))
        for item in due:
            self.in_flight[item.delivery_id] = item.subscription_id
            task = asyncio.create_task(self._deliver(client, item))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return len(due), len(due) == room

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One round, waiting for its tries to be recorded; returns how many were tried."""
        started, _full = await self.start_round(client)
        if self.tasks:
            await asyncio.gather(*self.tasks)
        return started

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.settings.webhook_timeout_s,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=MAX_IN_FLIGHT),
        )

    async def run_forever(self) -> None:
        failing = False
        # Rounds renew the lease, so they come at least three times per lease even when the
        # poll interval is longer.
        pause = min(self.settings.webhook_poll_interval_s, self.settings.webhook_lease_s / 3)
        async with self.client() as client:
            try:
                while True:
                    full = False
                    try:
                        self.slot_freed.clear()
                        _started, full = await self.start_round(client)
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
                    await self._pause(pause, until_a_slot_frees=full)
            finally:
                await self._cancel_tries()

    async def _pause(self, seconds: float, *, until_a_slot_frees: bool) -> None:
        """Wait before the next round; out of room, go on as soon as a try ends."""
        if not until_a_slot_frees:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.slot_freed.wait()

    async def _cancel_tries(self) -> None:
        """Stop the tries in flight; their deliveries stay pending for the next holder."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def stop(self, task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Hand the lease over at once rather than after it expires.
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.release)
