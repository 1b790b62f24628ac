"""The SDK tests run generated clients against live servers: reuse the e2e fixtures."""

from __future__ import annotations

from tests.e2e.conftest import e2e_database_url, live_server, start_server

__all__ = ["e2e_database_url", "live_server", "start_server"]
