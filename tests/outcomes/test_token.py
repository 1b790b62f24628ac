"""The assessment id: what it names comes back intact, and nothing else is accepted."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.outcomes.token import BoundSigner, InvalidToken, Issued, Signer, derive_key
from tests.outcomes.conftest import lenient_bytes, other_spellings

KEY = derive_key("a test secret")
CONTENT = hashlib.sha256(b"the bundle of every version in these tests").digest()
OTHER_CONTENT = hashlib.sha256(b"other content under the same number").digest()
indexes = st.lists(st.integers(0, 255), max_size=50)
wide_indexes = st.lists(st.integers(0, 65535), max_size=50)


class _Verifier:
    """The signer of these tests: every version holds CONTENT, as `digest_of` answers."""

    def __init__(self, key: bytes, content: bytes = CONTENT) -> None:
        self.signer = Signer(key)
        self.content = content

    def issue(self, version: int, causes: bytes | list[int] | tuple[int, ...], tips: object) -> str:
        bound: BoundSigner = self.signer.bound(self.content)
        return bound.issue(version, causes, tips)  # type: ignore[arg-type]

    def verify(self, token: str) -> Issued:
        return self.signer.verify(token, lambda _version: self.content)


SIGNER = _Verifier(KEY)


@given(st.integers(1, 2**31 - 1), indexes, indexes)
def test_a_token_round_trips(version: int, causes: list[int], tips: list[int]) -> None:
    token = SIGNER.issue(version, bytes(causes), bytes(tips))
    issued = SIGNER.verify(token)
    assert (issued.version, issued.causes, issued.tips) == (version, tuple(causes), tuple(tips))
    assert issued.canonical_id == token


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
        _Verifier(derive_key("another secret")).verify(token)
    with pytest.raises(InvalidToken):
        _Verifier(os.urandom(32)).verify(token)


@given(st.text(max_size=120))
def test_random_strings_are_refused(text: str) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.verify(text)


@given(st.binary(max_size=80))
def test_random_bytes_are_refused(raw: bytes) -> None:
    with pytest.raises(InvalidToken):
        SIGNER.verify(_token(raw))


def test_an_id_has_exactly_one_spelling() -> None:
    for causes in (bytes([0, 1, 2]), bytes([1, 2, 3, 4]), bytes([0, 1, 2, 3, 4])):
        token = SIGNER.issue(7, causes, bytes([5]))  # three lengths modulo 4
        assert SIGNER.verify(token).canonical_id == token
        others = other_spellings(token, 40)
        assert len(others) == 40
        for other in others:
            with pytest.raises(InvalidToken):
                SIGNER.verify(other)


def test_an_id_made_from_other_content_is_refused() -> None:
    """The digest of the content is under the MAC: another deployment sharing the secret but
    holding other content under the same version number cannot verify the id."""
    token = SIGNER.issue(1, bytes([0, 1]), bytes([2, 3, 4]))
    assert SIGNER.verify(token).version == 1
    with pytest.raises(InvalidToken):
        _Verifier(KEY, OTHER_CONTENT).verify(token)
    with pytest.raises(InvalidToken):
        SIGNER.signer.verify(token, lambda _version: None)  # no such version here
    other = _Verifier(KEY, OTHER_CONTENT).issue(1, bytes([0, 1]), bytes([2, 3, 4]))
    assert len(other) == len(token)  # the digest costs the id no length


def test_the_formats_without_a_content_digest_are_refused() -> None:
    raw = bytearray(lenient_bytes(SIGNER.issue(1, bytes([0]), bytes([1]))))
    for old_format in (1, 2):
        raw[0] = old_format
        with pytest.raises(InvalidToken):
            SIGNER.verify(base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode())
