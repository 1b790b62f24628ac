"""The scopes an API key can hold."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    assess = "assess"
    content_read = "content:read"
    content_write = "content:write"
    admin = "admin"
    metrics = "metrics"  # scraping /metrics when keys are required, and nothing else


ALL_SCOPES: frozenset[Scope] = frozenset(Scope)
