"""Settings from the environment (and an optional .env file), read once per process."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.quota import parse_quota


class Settings(BaseSettings):
    """Every knob of the service; the README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/tremor-guide.db",
        description="SQLAlchemy URL; postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    admin_api_key: SecretStr | None = Field(
        default=None, description="A bearer key with every scope (for operators and CI)."
    )
    require_api_keys: bool = Field(
        default=False,
        description=(
            "When true, reading content needs content:read, assessing needs assess and "
            "/metrics needs metrics."
        ),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger bodies get 413.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated origins allowed by CORS."
    )
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Comma-separated proxy addresses (IPs, CIDR networks, or *) whose X-Forwarded-For "
            "and X-Forwarded-Proto are believed; empty: none, the connecting address counts."
        ),
    )
    otel_enabled: bool = Field(
        default=False,
        description=(
            "FastAPI's native OpenTelemetry spans and metrics (needs a configured provider); "
            "off by default: /metrics and the access log cover operations, and the "
            "instrumentation adds work to every request."
        ),
    )
    content_poll_interval_s: float = Field(
        default=0.5, gt=0, le=60, description="How often each process checks the current version."
    )
    content_watch_interval_s: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description=(
            "SQLite only: how often each process checks the file's change counter, so a "
            "publish by another worker is followed within this time, not the poll interval "
            "(0 turns the watch off)."
        ),
    )
    readiness_timeout_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="/readyz answers 503 when a database check has run this long unanswered.",
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_statement_timeout_ms: int = Field(default=5000, ge=100)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    load_default_content: bool = Field(
        default=True, description="Publish the bundled default content on an empty database."
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Limit requests per API key (or client IP without one)."
    )
    rate_limit_assess: str = Field(
        default="600/minute", description="POST /v1/assessments and :batch, per caller."
    )
    rate_limit_content_read: str = Field(
        default="1200/minute", description="Reads of content, versions and metrics, per caller."
    )
    rate_limit_content_write: str = Field(
        default="120/minute", description="Draft, publish and rollback requests, per key."
    )
    rate_limit_admin: str = Field(default="120/minute", description="The audit log, per key.")
    rate_limit_assess_per_client: str = Field(
        default="60/minute",
        description="Assessments per end user that a request names in X-Client-ID, per caller.",
    )
    rate_limit_content_read_per_client: str = Field(
        default="300/minute",
        description="Content reads per end user named in X-Client-ID, per caller.",
    )
    rate_limit_prefix: str = Field(
        default="tremor-guide", max_length=100, description="Key prefix of the counters in Redis."
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="redis://host:6379/0 to share rate limits between processes; unset: memory.",
    )
    assessment_id_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Key that signs assessment ids (feedback accepts only ids it verifies); unset: a "
            "random key generated once and kept in the database, shared by every process."
        ),
    )
    rollout_auto_abort_margin: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description=(
            "Abort a canary by itself when its share of 'worse' feedback exceeds the current "
            "version's by more than this (e.g. 0.1 = 10 points); unset: never by itself."
        ),
    )
    rollout_auto_abort_min_sources: int = Field(
        default=30,
        ge=1,
        le=1_000_000,
        # The name before sources were counted is still read, as the same minimum.
        validation_alias=AliasChoices(
            "rollout_auto_abort_min_sources", "rollout_auto_abort_min_feedback"
        ),
        description=(
            "Independent sources (API key and end user, else client network) each of canary "
            "and current version needs feedback from before an automatic abort."
        ),
    )
    outcomes_flush_interval_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description=(
            "How often each process adds its in-memory shown counts to the database (and at "
            "shutdown); a killed process loses at most this interval's counts."
        ),
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="A connection whose request headers are not complete in this time is closed.",
    )
    request_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="A request whose body has not arrived this many seconds after it began: 503.",
    )

    webhook_secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Base64 of 32 random bytes that seal webhook secrets at rest (AES-256-GCM); the "
            "same on every replica. Unset: a key made once and kept in the database (set it "
            "in production: otherwise whoever reads the database can unseal the secrets)."
        ),
    )
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Let webhooks call loopback, private and link-local addresses (tests only).",
    )
    webhook_worker_enabled: bool = Field(
        default=True, description="Run the webhook delivery worker in this process."
    )
    webhook_lease_s: float = Field(
        default=30.0, gt=0, le=3600, description="How long the sender's database lease lasts."
    )
    webhook_poll_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often the sender looks for due deliveries."
    )
    webhook_timeout_s: float = Field(
        default=10.0, gt=0, le=60, description="One delivery's HTTP timeout."
    )
    webhook_retry_base_s: float = Field(
        default=5.0, gt=0, le=3600, description="The first retry waits up to this long."
    )
    webhook_retry_cap_s: float = Field(
        default=3600.0, gt=0, le=86400, description="No retry waits longer than this."
    )
    webhook_max_age_s: float = Field(
        default=86400.0,
        gt=0,
        le=30 * 86400,
        description="A delivery not done this long after its event is marked failed.",
    )

    @field_validator("webhook_secret_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`WEBHOOK_SECRET_KEY=` (as compose passes an unset variable) means no key."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("webhook_secret_key")
    @classmethod
    def _valid_webhook_key(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuse a key that cannot seal at start-up, not at the first webhook."""
        if value is not None:
            webhook_key_bytes(value.get_secret_value())
        return value

    @field_validator(
        "rate_limit_assess",
        "rate_limit_content_read",
        "rate_limit_content_write",
        "rate_limit_admin",
        "rate_limit_assess_per_client",
        "rate_limit_content_read_per_client",
    )
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        """Refuse a limit `limits` cannot read at start-up rather than on the first request."""
        parse_quota(value)
        return value

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        """Accept a comma-separated string, the natural form in an environment variable."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


WEBHOOK_KEY_BYTES = 32


def webhook_key_bytes(encoded: str) -> bytes:
    """WEBHOOK_SECRET_KEY's bytes: base64 (standard or URL-safe) of exactly 32 bytes."""
    try:
        raw = base64.urlsafe_b64decode(encoded.strip().replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 of 32 bytes") from None
    if len(raw) != WEBHOOK_KEY_BYTES:
        raise ValueError(f"must encode {WEBHOOK_KEY_BYTES} bytes (it has {len(raw)})")
    return raw


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
