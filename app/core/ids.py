"""Identifiers for requests: unique, not secret.

They name a request in logs; nothing is authorised by knowing one. So they come from the
process's Mersenne Twister (seeded from the OS, reseeded in each forked worker) rather than
from `os.urandom`, which is a system call on every request, on the hottest path of the
service. (An answer's `assessment_id` is a signed token, `app/outcomes/token.py`: its nonce
comes from the same generator for the same reason, and the MAC, not the nonce, is what
makes it unforgeable.)
"""

from __future__ import annotations

from random import getrandbits


def new_id() -> str:
    """128 random bits as 32 hex digits: the shape of a UUID's hex, without building one."""
    return f"{getrandbits(128):032x}"
