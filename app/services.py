"""The long-lived objects of one process, built in the lifespan and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from app.auth.service import KeyVerifier
from app.content.cache import ContentCache
from app.content.poller import ContentFollower
from app.core.config import Settings


@dataclass
class Services:
    settings: Settings
    engine: Engine
    # The same pool for transactions that only read (never a write lock on SQLite).
    read_engine: Engine
    cache: ContentCache
    follower: ContentFollower
    keys: KeyVerifier
