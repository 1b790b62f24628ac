"""Rate-limit quotas as written in the settings (`600/minute`), parsed once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from limits import parse


@dataclass(frozen=True, slots=True)
class Quota:
    """`amount` requests per `period_s` seconds; `text` is the setting it came from."""

    amount: int
    period_s: int
    text: str
    limit_header: tuple[bytes, bytes]


def parse_quota(text: str) -> Quota:
    """`600/minute`, `10/second`, `5000 per hour`, `100/5minutes` (the `limits` notation)."""
    item = parse(text)
    period = int(item.get_expiry())
    if item.amount < 1 or period < 1:
        raise ValueError(f"rate limit {text!r} must allow at least one request per second or more")
    amount = int(item.amount)
    return Quota(
        amount=amount,
        period_s=period,
        text=text,
        limit_header=(b"ratelimit-limit", str(amount).encode()),
    )
