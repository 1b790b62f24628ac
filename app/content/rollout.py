"""Staged rollout: which callers a canary version serves.

A caller's bucket is a hash of the canary's number and the caller's identity, with no
per-process salt, so every worker and replica puts a caller in the same bucket, and a
caller stays in it while the share widens (bucket < share keeps holding). A new canary
version gives everyone a fresh bucket, so one canary's early group is not always the next's.
"""

from __future__ import annotations

import hashlib
from typing import Final

BUCKETS: Final = 10_000
"""Buckets per rollout: a share is served in steps of 0.01 %."""

MIN_PERCENT: Final = 1
MAX_PERCENT: Final = 99
"""A canary serves 1 to 99 % of callers; 100 % is a promote, 0 % an abort."""


def bucket(canary_version: int, identity: str) -> int:
    """The caller's bucket in 0 .. BUCKETS - 1 for this canary."""
    digest = hashlib.blake2b(f"{canary_version}:{identity}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def in_canary(canary_version: int, percent: int, identity: str) -> bool:
    """Whether the caller is among the `percent` % the canary serves."""
    return bucket(canary_version, identity) < percent * (BUCKETS // 100)
