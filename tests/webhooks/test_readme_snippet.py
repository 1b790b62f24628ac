"""The README's receiver snippet verifies what the worker signs, and refuses what it did not."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from app.webhooks.signing import generate_secret
from app.webhooks.worker import signed_headers
from tests.e2e.conftest import ROOT

SNIPPET = re.compile(r"## Webhooks\n.*?```python\n(.*?)```", re.DOTALL)


def readme_verify() -> Callable[..., bool]:
    match = SNIPPET.search((ROOT / "README.md").read_text("utf-8"))
    assert match, "the README's Webhooks section shows a Python receiver"
    namespace: dict[str, Any] = {}
    exec(match.group(1), namespace)
    verify: Callable[..., bool] = namespace["verify"]
    return verify


def test_the_readme_receiver_snippet() -> None:
    verify = readme_verify()
    secret, body = generate_secret(), b'{"type":"content.published"}'
    fresh = signed_headers(secret, "msg_1", body, int(time.time()))
    assert verify(secret, fresh, body)
    assert not verify(secret, fresh, body + b" ")
    assert not verify(generate_secret(), fresh, body)
    stale = signed_headers(secret, "msg_1", body, int(time.time()) - 3600)
    assert not verify(secret, stale, body)
