"""The assessment id: what it names comes back intact, and nothing else is accepted."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.outcomes.token import InvalidToken, Signer, derive_key

SIGNER = Signer(derive_key("a test secret"))
indexes = st.lists(st.integers(0, 255), max_size=50)
wide_indexes = st.lists(st.integers(0, 65535), max_size=50)


@given(st.integers(1, 2**31 - 1), indexes, indexes)
def test_a_token_round_trips(version: int, causes: list[int], tips: list[int]) -> None:
    issued = SIGNER.verify(SIGNER.issue(version, bytes(causes), bytes(tips)))
    assert (issued.version, issued.causes, issued.tips) == (version, tuple(causes), tuple(tips))


@given(st.integers(1, 2**31 - 1), wide_indexes, wide_indexes)
def test_a_wide_token_round_trips(version: int, causes: list[int], tips: list[int]) -> None:
    issued = SIGNER.verify(SIGNER.issue(version, tuple(causes), tuple(tips)))
    assert (issued.version, issued.causes, issued.tips) == (version, tuple(causes), tuple(tips))


def test_tokens_are_url_safe_and_unique() -> None:
    tokens = {SIGNER.issue(1, bytes([0, 1, 2]), bytes([3, 4])) for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(t.replace("-", "a").replace("_", "a").isalnum() for t in tokens)


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_every_flipped_byte_is_refused() -> None:
    raw = _raw(SIGNER.issue(3, bytes([1, 2]), bytes([5])))
    for position in range(len(raw)):
        for bit in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[position] ^= bit
            with pytest.raises(InvalidToken):
                SIGNER.verify(_token(bytes(tampered)))


def test_a_changed_version_truncation_or_other_key_is_refused() -> None:
    token = SIGNER.issue(3, bytes([1, 2]), bytes([5]))
    raw = _raw(token)
    other_version = raw[:1] + (4).to_bytes(4, "big") + raw[5:]
    for bad in (
        _token(other_version),
        token[:-1],
        token[:-4],
        token[:20],
        token + "A",
        "",
        "not a token!",
        "=" * 10,
    ):
        with pytest.raises(InvalidToken):
            SIGNER.verify(bad)
    with pytest.raises(InvalidToken):
        Signer(derive_key("another secret")).verify(token)
    with pytest.raises(InvalidToken):
        Signer(os.urandom(32)).verify(token)


@given(st.text(max_size=120))
def test_random_strings_are_refused(text: str) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.verify(text)


@given(st.binary(max_size=80))
def test_random_bytes_are_refused(raw: bytes) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.verify(_token(raw))
