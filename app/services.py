"""The long-lived objects of one process, built in the lifespan and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from app.auth.service import KeyVerifier
from app.content.cache import ContentCache
from app.content.poller import ContentFollower
from app.core.config import Settings
from app.outcomes.issuer import AnswerStamper


@dataclass
class Services:
    settings: Settings
    engine: Engine
    # The same pool for transactions that only read (never a write lock on SQLite).
    read_engine: Engine
    cache: ContentCache
    follower: ContentFollower
    keys: KeyVerifier
    # Signs each answer's id and counts what it showed; the lifespan installs the signer
    # of the deployment's key before the first request.
    stamper: AnswerStamper
