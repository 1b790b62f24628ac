"""Helpers for tests that need tools outside the virtualenv (node, chromium, java, kotlinc)."""

from __future__ import annotations

import os

import pytest


def require_tool(available: bool, reason: str) -> None:
    """Skip on a developer's machine without the tool; fail in CI, which must run the test."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this test must run)")
    pytest.skip(reason)
