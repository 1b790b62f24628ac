"""The assessment id: a signed, self-describing token, so the hot path writes nothing.

An answer's id carries what feedback needs to be attributed: the content version, the causes
and tips shown (as indexes into the version's order, see `item_order`), when it was issued
(unix minutes), a 64-bit nonce that makes it unique, and a keyed MAC over all of it. Feedback
trusts only what the MAC vouches for, so only ids this service issued are accepted.

Layout (big-endian), then base64url without padding (it goes in a URL path):

    format(1) version(4) minutes(4) nonce(8) n_causes(1) causes(n) n_tips(1) tips(n) mac(12)

Format 1 has one byte per index, format 2 two (a bundle with more than 255 causes or tips).
The MAC is BLAKE2b keyed, truncated to 96 bits: measured at a third of the cost of a truncated
HMAC-SHA256 (0.47 µs against 1.5 µs for a 30-byte message on the reference machine).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from random import getrandbits
from time import time

from app.rules.bundle import Bundle

MAC_BYTES = 12
_HEAD = struct.Struct(">BIIQ")  # format, version, minutes, nonce
_MAX_ITEMS = 255  # n_causes and n_tips are one byte each
_LENGTH = tuple(bytes((n,)) for n in range(_MAX_ITEMS + 1))
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def item_order(bundle: Bundle) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The causes and tips of a version in the order a token's indexes count them.

    The bundle's own order (the compiled ruleset keeps it); a repeated tip id counts once, as
    the compiler keeps only its first definition."""
    causes = tuple(dict.fromkeys(cause.id for cause in bundle.causes))
    tips = tuple(dict.fromkeys(tip.id for tip in bundle.tips))
    return causes, tips


@dataclass(frozen=True, slots=True)
class Issued:
    """What a verified token says about its answer."""

    version: int
    issued_minute: int
    nonce: int
    causes: tuple[int, ...]  # indexes into item_order(bundle)[0]
    tips: tuple[int, ...]  # indexes into item_order(bundle)[1]


class InvalidToken(ValueError):
    """Not a token this service issued: malformed, truncated, or its MAC does not match."""


def derive_key(secret: str | bytes) -> bytes:
    """A 32-byte MAC key from a configured secret of any length (BLAKE2b takes at most 64)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hashlib.sha256(b"tremor-guide assessment id\x00" + raw).digest()


class Signer:
    """Issues and verifies assessment ids with one key (the same in every process)."""

    __slots__ = ("_mac",)

    def __init__(self, key: bytes) -> None:
        # Copying a keyed state is cheaper than keying a new one on every answer.
        self._mac = hashlib.blake2b(key=key, digest_size=MAC_BYTES)

    def issue(
        self, version: int, causes: bytes | Sequence[int], tips: bytes | Sequence[int]
    ) -> str:
        """A token for an answer of `version` showing these cause and tip indexes."""
        if isinstance(causes, bytes) and isinstance(tips, bytes):
            return self.issue_narrow(version, causes, tips)
        if len(causes) > _MAX_ITEMS or len(tips) > _MAX_ITEMS:
            raise ValueError("at most 255 causes or tips per answer")
        body = b"".join(
            (
                _HEAD.pack(2, version, int(time()) // 60, getrandbits(64)),
                _LENGTH[len(causes)],
                struct.pack(f">{len(causes)}H", *causes),
                _LENGTH[len(tips)],
                struct.pack(f">{len(tips)}H", *tips),
            )
        )
        return self._sealed(body)

    def issue_narrow(self, version: int, causes: bytes, tips: bytes) -> str:
        """`issue` for indexes below 256, one byte each (the hot path's case: about 1 µs).

        Raises ValueError when an answer shows more than 255 items, as `bytes()` does for an
        index past 255, so the caller can fall back to `issue`'s wide format."""
        if len(causes) > _MAX_ITEMS or len(tips) > _MAX_ITEMS:
            raise ValueError("at most 255 causes or tips per answer")
        body = (
            _HEAD.pack(1, version, int(time()) // 60, getrandbits(64))
            + _LENGTH[len(causes)]
            + causes
            + _LENGTH[len(tips)]
            + tips
        )
        return self._sealed(body)

    def _sealed(self, body: bytes) -> str:
        mac = self._mac.copy()
        mac.update(body)
        raw = binascii.b2a_base64(body + mac.digest(), newline=False)
        return raw.translate(_URL_SAFE).rstrip(b"=").decode("ascii")

    def verify(self, token: str) -> Issued:
        """What a token says, or InvalidToken when this service did not issue it."""
        if not 0 < len(token) <= 2048:
            raise InvalidToken("wrong length")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise InvalidToken("not base64url") from None
        if len(raw) < _HEAD.size + 2 + MAC_BYTES:
            raise InvalidToken("too short")
        body, tag = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        mac = self._mac.copy()
        mac.update(body)
        if not hmac.compare_digest(mac.digest(), tag):
            raise InvalidToken("MAC does not match")
        fmt, version, minute, nonce = _HEAD.unpack_from(body)
        if fmt not in (1, 2):
            raise InvalidToken("unknown format")
        width = fmt
        position = _HEAD.size
        lists: list[tuple[int, ...]] = []
        for _ in range(2):
            if position >= len(body):
                raise InvalidToken("truncated")
            count = body[position]
            position += 1
            chunk = body[position : position + count * width]
            if len(chunk) != count * width:
                raise InvalidToken("truncated")
            position += count * width
            lists.append(tuple(chunk) if width == 1 else struct.unpack(f">{count}H", chunk))
        if position != len(body):
            raise InvalidToken("trailing bytes")
        return Issued(version, minute, nonce, lists[0], lists[1])
