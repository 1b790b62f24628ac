"""Rate limits per API key (or per client address without a key), one per scope.

One hit per request, from `app.api.authorization.authorize`, and one more per batch for its
other items (`app.api.rate_limits.charge_items`): a batch of 100 costs 100. Fixed windows
aligned to the clock, so `RateLimit-Reset` is exact and processes sharing Redis agree
without talking. In memory by default (a dict swept when it grows; each process counts on
its own); with `REDIS_URL`, one script per hit shared by every process, failing open (logged
once per outage) when Redis is away. `RequestMiddleware` adds the `RateLimit-*` headers; a
refusal is a 429 problem with `Retry-After`.
"""

from __future__ import annotations

import logging
import math
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from starlette.types import Scope

from app.core.errors import TooManyRequests
from app.core.quota import Quota, parse_quota

if TYPE_CHECKING:
    from app.core.config import Settings

logger = logging.getLogger("app.ratelimit")

SCOPE_KEY: Final = "tremor.ratelimit"
"""Where a request's decision is left in the ASGI scope for the middleware."""

REDIS_RETRY_AFTER_S: Final = 5.0
"""After a Redis failure, how long requests go unlimited before Redis is tried again."""

_SWEEP_AT: Final = 10_000


class Bucket(StrEnum):
    """The groups of routes that have a limit of their own."""

    assess = "assess"
    content_read = "content_read"
    content_write = "content_write"
    admin = "admin"
    assess_per_client = "assess_per_client"
    content_read_per_client = "content_read_per_client"


# The buckets an app's end users also have a share of, by `X-Client-ID` (the apps that call
# with one key for many users); operators' buckets have none.
PER_CLIENT_BUCKETS: Final = {
    Bucket.assess: Bucket.assess_per_client,
    Bucket.content_read: Bucket.content_read_per_client,
}
CLIENT_ID_MAX_LENGTH: Final = 128


Hit = tuple[Quota, int, int]
"""One counted request: its quota, the count in the window so far, and when the window ends
(Unix seconds). A plain tuple: it is made on every request."""


def seconds_to_reset(hit: Hit) -> int:
    return max(math.ceil(hit[2] - time.time()), 1)


def rate_limit_headers(hit: Hit) -> list[tuple[bytes, bytes]]:
    """RateLimit-Limit, -Remaining and -Reset (draft-ietf-httpapi-ratelimit-headers)."""
    quota, count, _ = hit
    return [
        quota.limit_header,
        (b"ratelimit-remaining", str(max(quota.amount - count, 0)).encode()),
        (b"ratelimit-reset", str(seconds_to_reset(hit)).encode()),
    ]


class Limiter(Protocol):
    quotas: dict[Bucket, Quota]
    local: bool
    """True when `count` may be called (no I/O); else `hit` must be awaited."""

    def count(self, bucket: Bucket, identity: str, cost: int = 1) -> Hit: ...

    async def hit(self, bucket: Bucket, identity: str, cost: int = 1) -> Hit | None:
        """Count `cost` requests (negative: give them back); None when no decision could be
        made (fail open)."""

    async def close(self) -> None: ...


class MemoryLimiter:
    """Per-process counters; each process of a multi-process server counts on its own."""

    local = True

    def __init__(self, quotas: dict[Bucket, Quota]) -> None:
        self.quotas = quotas
        self._counts: dict[tuple[Bucket, str], list[int]] = {}
        self._sweep_at = _SWEEP_AT

    async def hit(self, bucket: Bucket, identity: str, cost: int = 1) -> Hit | None:
        return self.count(bucket, identity, cost)

    def count(self, bucket: Bucket, identity: str, cost: int = 1) -> Hit:
        quota = self.quotas[bucket]
        now = time.time()
        window = int(now // quota.period_s)
        key = (bucket, identity)
        entry = self._counts.get(key)
        if entry is None or entry[0] != window:
            if entry is None and len(self._counts) >= self._sweep_at:
                self._sweep(now)
            self._counts[key] = entry = [window, 0]
        entry[1] += cost
        return (quota, entry[1], (window + 1) * quota.period_s)

    def _sweep(self, now: float) -> None:
        """Drop the counters of windows that have ended; amortised O(1) per hit."""
        self._counts = {
            key: entry
            for key, entry in self._counts.items()
            if entry[0] == int(now // self.quotas[key[0]].period_s)
        }
        self._sweep_at = max(_SWEEP_AT, 2 * len(self._counts))

    async def close(self) -> None:
        self._counts.clear()


class RedisLimiter:
    """Counters in Redis, shared by every process that uses the same URL and prefix."""

    local = False

    def __init__(self, url: str, quotas: dict[Bucket, Quota], *, prefix: str) -> None:
        from limits.aio.storage import RedisStorage

        self.quotas = quotas
        self.url = url
        self._storage = RedisStorage(
            url if url.startswith("async+") else "async+" + url,
            implementation="redispy",
            key_prefix=prefix,
            wrap_exceptions=True,
            socket_timeout=0.25,
            socket_connect_timeout=0.25,
        )
        self._skip_until = 0.0

    def count(self, bucket: Bucket, identity: str, cost: int = 1) -> Hit:
        raise NotImplementedError("the Redis limiter must be awaited: use hit()")

    async def hit(self, bucket: Bucket, identity: str, cost: int = 1) -> Hit | None:
        now = time.time()
        if now < self._skip_until:
            return None
        quota = self.quotas[bucket]
        window = int(now // quota.period_s)
        try:
            count = await self._storage.incr(
                f"{bucket}/{identity}/{window}", quota.period_s, amount=cost
            )
        except Exception as exc:  # any Redis failure must not fail the request
            if self._skip_until == 0.0:
                logger.warning(
                    "Redis for rate limits is unreachable; serving without limits until it "
                    "returns (%s)",
                    type(exc).__name__,
                )
            self._skip_until = now + REDIS_RETRY_AFTER_S
            return None
        if self._skip_until:
            logger.info("Redis for rate limits is reachable again")
            self._skip_until = 0.0
        return (quota, count, (window + 1) * quota.period_s)

    async def close(self) -> None:
        client: Any = getattr(self._storage.bridge, "storage", None)
        if client is not None:
            try:
                await client.aclose()
            except Exception:  # closing a broken connection may fail too
                logger.debug("closing the Redis client failed", exc_info=True)


def build_limiter(settings: Settings) -> Limiter | None:
    """The limiter the settings ask for; None when rate limiting is off."""
    if not settings.rate_limit_enabled:
        return None
    quotas = {
        Bucket.assess: parse_quota(settings.rate_limit_assess),
        Bucket.content_read: parse_quota(settings.rate_limit_content_read),
        Bucket.content_write: parse_quota(settings.rate_limit_content_write),
        Bucket.admin: parse_quota(settings.rate_limit_admin),
        Bucket.assess_per_client: parse_quota(settings.rate_limit_assess_per_client),
        Bucket.content_read_per_client: parse_quota(settings.rate_limit_content_read_per_client),
    }
    if settings.redis_url:
        return RedisLimiter(
            settings.redis_url.get_secret_value(), quotas, prefix=settings.rate_limit_prefix
        )
    return MemoryLimiter(quotas)


def client_identity(scope: Scope) -> str:
    """The caller's address (behind a proxy, from X-Forwarded-For: see app.core.proxy)."""
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


def end_user_id(raw: str | None) -> str | None:
    """The end user an app names in `X-Client-ID`: 1 to 128 visible ASCII characters (no
    spaces); anything else is no claim at all, never a refusal."""
    if raw is None or not (0 < len(raw) <= CLIENT_ID_MAX_LENGTH):
        return None
    if not (raw.isascii() and raw.isprintable()) or " " in raw:
        return None
    return raw


def _per_client(identity: str, client_id: str) -> str:
    # A space never occurs in a client id, so the last one splits the pair unambiguously.
    return f"{identity} {client_id}"


def _left(hit: Hit) -> int:
    return hit[0].amount - hit[1]


async def enforce_caller(
    limiter: Limiter | None, scope: Scope, bucket: Bucket, identity: str, client_id: str | None
) -> None:
    """`enforce` for `identity` (a key or an address) and, when the request names its end
    user, first for that user's share of it: an app's users each get their own limit, and
    every request still counts against the key's, so naming users never raises it. A user
    over their share is refused before the key's count, so one user cannot use up the rest."""
    per_client = PER_CLIENT_BUCKETS.get(bucket) if client_id is not None else None
    if limiter is None or per_client is None or client_id is None:
        await enforce(limiter, scope, bucket, identity)
        return
    await enforce(limiter, scope, per_client, _per_client(identity, client_id))
    own: Hit | None = scope.get(SCOPE_KEY)
    await enforce(limiter, scope, bucket, identity)
    shared: Hit | None = scope.get(SCOPE_KEY)
    if own is not None and shared is not None and _left(own) < _left(shared):
        scope[SCOPE_KEY] = own  # the headers tell the tighter of the two limits


async def enforce_more_caller(
    limiter: Limiter | None,
    scope: Scope,
    bucket: Bucket,
    identity: str,
    client_id: str | None,
    extra: int,
) -> None:
    """`enforce_more` for both counts `enforce_caller` made; when the key's does not fit,
    the user's share is given back too."""
    per_client = PER_CLIENT_BUCKETS.get(bucket) if client_id is not None else None
    if limiter is None or per_client is None or client_id is None or extra < 1:
        await enforce_more(limiter, scope, bucket, identity, extra)
        return
    user = _per_client(identity, client_id)
    await enforce_more(limiter, scope, per_client, user, extra)
    try:
        await enforce_more(limiter, scope, bucket, identity, extra)
    except TooManyRequests:
        await _hit(limiter, per_client, user, -extra)
        raise


async def _hit(limiter: Limiter, bucket: Bucket, identity: str, cost: int) -> Hit | None:
    if limiter.local:
        return limiter.count(bucket, identity, cost)
    return await limiter.hit(bucket, identity, cost)


async def enforce(limiter: Limiter | None, scope: Scope, bucket: Bucket, identity: str) -> None:
    """One hit; leaves it for the response headers, raises 429 when over the limit."""
    if limiter is None:
        return
    # Inline, not through _hit: this runs on every request of the hot path.
    hit = limiter.count(bucket, identity) if limiter.local else await limiter.hit(bucket, identity)
    if hit is None:
        return
    scope[SCOPE_KEY] = hit
    if hit[1] > hit[0].amount:
        wait = seconds_to_reset(hit)
        raise TooManyRequests(
            f"Too many requests for {bucket.value}: the limit is {hit[0].text}; "
            f"try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )


async def enforce_more(
    limiter: Limiter | None, scope: Scope, bucket: Bucket, identity: str, extra: int
) -> None:
    """Count `extra` more requests of one already counted by `enforce` (a batch's other
    items); when they do not fit, give them back and raise 429: a refused batch costs one
    request, so it does not use up what a smaller batch could still have."""
    if limiter is None or extra < 1:
        return
    hit = await _hit(limiter, bucket, identity, extra)
    if hit is None:
        return
    if hit[1] <= hit[0].amount:
        scope[SCOPE_KEY] = hit
        return
    refunded = await _hit(limiter, bucket, identity, -extra)
    if refunded is not None:
        hit = refunded
    scope[SCOPE_KEY] = hit
    wait = seconds_to_reset(hit)
    quota = hit[0]
    left = max(quota.amount - hit[1], 0)
    advice = (
        f"send at most {quota.amount} items per batch"
        if extra + 1 > quota.amount
        else f"{left} remain now; the window resets in {wait} s"
    )
    raise TooManyRequests(
        f"Too many requests for {bucket.value}: this batch counts {extra + 1} against the "
        f"limit of {quota.text}; {advice}.",
        headers={"Retry-After": str(wait)},
    )
