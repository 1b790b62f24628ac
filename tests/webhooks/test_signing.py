"""Signatures agree with the independent reference; sealed secrets open only where sealed."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.webhooks.signing import (
    SecretFormatError,
    UnsealError,
    generate_secret,
    seal,
    secret_bytes,
    sign,
    unseal,
)
from app.webhooks.worker import signed_headers
from tests.webhooks.reference import Unverified, verify

secrets_ = st.binary(min_size=24, max_size=64).map(
    lambda raw: "whsec_" + base64.b64encode(raw).decode()
)


@given(
    secret=secrets_,
    msg_id=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40),
    timestamp=st.integers(0, 2**40),
    body=st.binary(max_size=500),
)
def test_signatures_match_the_reference(
    secret: str, msg_id: str, timestamp: int, body: bytes
) -> None:
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
    verify(secret, headers, body, now=timestamp)
    with pytest.raises(Unverified):
        verify(secret, {**headers, "webhook-id": msg_id + "x"}, body, now=timestamp)


def test_the_spec_example() -> None:
    """The example of the Standard Webhooks specification."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_stale_timestamps_fail_the_reference() -> None:
    secret = generate_secret()
    headers = signed_headers(secret, "msg_1", b"{}", 1_000)
    verify(secret, headers, b"{}", now=1_100)
    with pytest.raises(Unverified):
        verify(secret, headers, b"{}", now=1_000 + 301)


def test_generated_secrets() -> None:
    made = {generate_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert 24 <= len(secret_bytes(secret)) <= 32


@pytest.mark.parametrize(
    "bad", ["", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_***", "whsec_c2hvcnQ="]
)
def test_malformed_secrets(bad: str) -> None:
    with pytest.raises(SecretFormatError):
        secret_bytes(bad)


def test_sealed_secrets_open_only_with_their_key_and_row() -> None:
    key, other = os.urandom(32), os.urandom(32)
    secret = generate_secret()
    sealed = seal(key, secret, "wh_a")
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed
    assert seal(key, secret, "wh_a") != sealed  # a fresh nonce each time
    assert unseal(key, sealed, "wh_a") == secret
    with pytest.raises(UnsealError):
        unseal(other, sealed, "wh_a")
    with pytest.raises(UnsealError):
        unseal(key, sealed, "wh_b")  # moved to another row
