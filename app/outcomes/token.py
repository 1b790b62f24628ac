"""The assessment id: a signed, self-describing token, so the hot path writes nothing.

An answer's id carries what feedback needs to be attributed: the content version, the causes
and tips shown (as indexes into the version's order, see `item_order`), when it was issued
(unix minutes), a 64-bit nonce that makes it unique, and a keyed MAC over all of it. Feedback
trusts only what the MAC vouches for, so only ids this service issued are accepted.

Layout (big-endian), then base64url without padding (it goes in a URL path):

    format(1) version(4) minutes(4) nonce(8) n_causes(1) causes(n) n_tips(1) tips(n) mac(12)

Format 3 has one byte per index, format 4 two (a bundle with more than 255 causes or tips).
The MAC also covers the digest of the version's content (its bundle checksum), which the id
does not carry: the verifier supplies the digest of the content it holds under that version
number, so an id made from other content (another deployment sharing the secret, other content
under the same number) fails its MAC, at no cost in length. Formats 1 and 2 had no digest and
are refused. The MAC is BLAKE2b keyed, truncated to 96 bits: measured at a third of the cost of
a truncated HMAC-SHA256 (0.47 µs against 1.5 µs for a 30-byte message on the reference machine).

An id has exactly one spelling, the one it was issued with: padding, characters outside the
base64url alphabet, anything after them, and non-zero unused bits in the last character are all
refused, so one answer cannot be sent as several and counted several times.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import getrandbits
from time import time

from app.rules.bundle import Bundle

MAC_BYTES = 12
_HEAD = struct.Struct(">BIIQ")  # format, version, minutes, nonce
_MAX_ITEMS = 255  # n_causes and n_tips are one byte each
_LENGTH = tuple(bytes((n,)) for n in range(_MAX_ITEMS + 1))
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
_NARROW, _WIDE = 3, 4  # formats 1 and 2 were the same without the content digest
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


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
    canonical_id: str  # the one spelling of this id (feedback is keyed on it)


class InvalidToken(ValueError):
    """Not a token this service issued: malformed, truncated, or its MAC does not match."""


def derive_key(secret: str | bytes) -> bytes:
    """A 32-byte MAC key from a configured secret of any length (BLAKE2b takes at most 64)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hashlib.sha256(b"tremor-guide assessment id\x00" + raw).digest()


def _encoded(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).rstrip(b"=").decode("ascii")


def content_digest(checksum: str) -> bytes:
    """The digest of a version's content that its ids are bound to: the bundle's checksum
    (SHA-256 of its canonical JSON, computed when it was stored), as bytes."""
    return bytes.fromhex(checksum)


class BoundSigner:
    """Issues the ids of one version's content: the keyed MAC state already holds the content
    digest, so binding an id to its content costs the hot path nothing per answer."""

    __slots__ = ("_mac",)

    def __init__(self, mac: hashlib.blake2b) -> None:
        self._mac = mac

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
                _HEAD.pack(_WIDE, version, int(time()) // 60, getrandbits(64)),
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
            _HEAD.pack(_NARROW, version, int(time()) // 60, getrandbits(64))
            + _LENGTH[len(causes)]
            + causes
            + _LENGTH[len(tips)]
            + tips
        )
        return self._sealed(body)

    def _sealed(self, body: bytes) -> str:
        mac = self._mac.copy()
        mac.update(body)
        return _encoded(body + mac.digest())

    def tag(self, body: bytes) -> bytes:
        mac = self._mac.copy()
        mac.update(body)
        return mac.digest()


class Signer:
    """Issues and verifies assessment ids with one key (the same in every process)."""

    __slots__ = ("_mac", "_pseudonyms")

    def __init__(self, key: bytes) -> None:
        # Copying a keyed state is cheaper than keying a new one on every answer.
        self._mac = hashlib.blake2b(key=key, digest_size=MAC_BYTES)
        self._pseudonyms = hashlib.blake2b(key=key, digest_size=16, person=b"source")

    def pseudonym(self, text: str) -> str:
        """A keyed hash of `text` (an address, a key name): stored instead of it, and not
        reversible by trying every IPv4 address without the key."""
        pseudonym = self._pseudonyms.copy()
        pseudonym.update(text.encode("utf-8"))
        return pseudonym.hexdigest()

    def bound(self, digest: bytes) -> BoundSigner:
        """The signer of ids for the content whose digest this is (see `content_digest`)."""
        mac = self._mac.copy()
        mac.update(digest)
        return BoundSigner(mac)

    def verify(self, token: str, digest_of: Callable[[int], bytes | None]) -> Issued:
        """What a token says, or InvalidToken when this service did not issue it for the
        content it holds: `digest_of(version)` gives the digest of the content this service
        holds under that version number (None: no such version)."""
        raw = _canonical_bytes(token)
        if len(raw) < _HEAD.size + 2 + MAC_BYTES:
            raise InvalidToken("too short")
        body, tag = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        fmt, version, minute, nonce = _HEAD.unpack_from(body)
        if fmt not in (_NARROW, _WIDE):
            raise InvalidToken("unknown format")
        digest = digest_of(version)
        if digest is None:
            raise InvalidToken("unknown version")
        if not hmac.compare_digest(self.bound(digest).tag(body), tag):
            raise InvalidToken("MAC does not match")
        causes, tips = _indexes(body, width=1 if fmt == _NARROW else 2)
        return Issued(version, minute, nonce, causes, tips, token)


def _canonical_bytes(token: str) -> bytes:
    """The bytes of a token spelled exactly as `_encoded` spells them, else InvalidToken."""
    if not 0 < len(token) <= 2048 or _BASE64URL.fullmatch(token) is None:
        raise InvalidToken("not base64url")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None
    # A last character with non-zero unused bits decodes to the same bytes: another spelling.
    if _encoded(raw) != token:
        raise InvalidToken("not the canonical spelling")
    return raw


def _indexes(body: bytes, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
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
    return lists[0], lists[1]
