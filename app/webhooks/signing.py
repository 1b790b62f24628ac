"""Standard Webhooks secrets and signatures, and the sealing of secrets at rest.

A secret is `whsec_` + base64 of its bytes; a signature is `v1,` + base64 of
HMAC-SHA256(secret bytes, "{msg_id}.{timestamp}.{body}"). The service must sign with the
secret, so it is stored encrypted (AES-256-GCM under WEBHOOK_SECRET_KEY, the subscription id
as associated data so a sealed secret cannot be moved to another row), never hashed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SECRET_PREFIX = "whsec_"
GENERATED_SECRET_BYTES = 32
# The Standard Webhooks bounds on a secret's length, in bytes.
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
_SEALED_PREFIX = "v1:"
_NONCE_BYTES = 12


class SecretFormatError(ValueError):
    pass


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(GENERATED_SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key bytes of a `whsec_` secret; SecretFormatError if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise SecretFormatError(f"must start with {SECRET_PREFIX}")
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise SecretFormatError(f"must be {SECRET_PREFIX} followed by base64") from None
    if not MIN_SECRET_BYTES <= len(raw) <= MAX_SECRET_BYTES:
        raise SecretFormatError(
            f"must encode {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes (it has {len(raw)})"
        )
    return raw


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value of one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def seal(key: bytes, secret: str, subscription_id: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), subscription_id.encode())
    return _SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


class UnsealError(ValueError):
    pass


def key_fingerprint(key: bytes) -> str:
    """A short public name of a sealing key: tells two keys apart without revealing either
    (a one-way hash of 32 random bytes)."""
    return hashlib.sha256(b"tremor-guide webhook sealing key\x00" + key).hexdigest()[:16]


def unseal(key: bytes, sealed: str, subscription_id: str) -> str:
    if not sealed.startswith(_SEALED_PREFIX):
        raise UnsealError("unknown sealed-secret format")
    raw = base64.b64decode(sealed[len(_SEALED_PREFIX) :])
    try:
        plain = AESGCM(key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], subscription_id.encode()
        )
    except InvalidTag:
        raise UnsealError("the secret was sealed with another WEBHOOK_SECRET_KEY") from None
    return plain.decode()
