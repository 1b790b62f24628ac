"""Tables of outcomes: the id-signing key, feedback on answers, and shown counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from app.core.models import utcnow


class AssessmentIdKey(SQLModel, table=True):
    """The one row holding the key that signs assessment ids when ASSESSMENT_ID_SECRET is
    unset: generated once, read by every process, so each verifies what any other issued."""

    __tablename__ = "assessment_id_key"

    id: int = Field(default=1, primary_key=True)
    key: bytes = Field(sa_column=Column(LargeBinary(64), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class OutcomeFeedback(SQLModel, table=True):
    """The latest feedback on one answer (a repeat replaces it: one row per assessment id)."""

    __tablename__ = "outcome_feedback"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(sa_column=Column(String(128), nullable=False, unique=True))
    version: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    helpful: bool | None = Field(default=None, sa_column=Column(Boolean))
    causes_json: str = Field(sa_column=Column(Text, nullable=False))  # ids shown, best first
    tips_json: str = Field(sa_column=Column(Text, nullable=False))  # ids shown, by rank
    tips_followed_json: str = Field(sa_column=Column(Text, nullable=False))
    issued_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class OutcomeShown(SQLModel, table=True):
    """How often each cause (kind `cause`) or tip (`tip`) was shown in answers of a version,
    summed over every process's flushes."""

    __tablename__ = "outcome_shown"

    version: int = Field(sa_column=Column(Integer, primary_key=True))
    kind: str = Field(sa_column=Column(String(8), primary_key=True))
    item_id: str = Field(sa_column=Column(String(128), primary_key=True))
    shown: int = Field(sa_column=Column(BigInteger, nullable=False))


class OutcomeSource(SQLModel, table=True):
    """The latest outcome one independent source (a keyed hash of who sent it, see
    `service.feedback_source`) gave on any answer of a version: a source counts once per
    version in the automatic abort's tallies, however many answers it sends feedback on."""

    __tablename__ = "outcome_source"

    version: int = Field(sa_column=Column(Integer, primary_key=True))
    source: str = Field(sa_column=Column(String(32), primary_key=True))
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class OutcomeSourceTally(SQLModel, table=True):
    """Per version: how many sources gave feedback, and how many of them said each outcome
    last. Kept up to date in the feedback's own transaction, so the abort decision reads one
    row per version instead of every feedback."""

    __tablename__ = "outcome_source_tally"

    version: int = Field(sa_column=Column(Integer, primary_key=True))
    sources: int = Field(sa_column=Column(Integer, nullable=False))
    resolved: int = Field(sa_column=Column(Integer, nullable=False))
    better: int = Field(sa_column=Column(Integer, nullable=False))
    same: int = Field(sa_column=Column(Integer, nullable=False))
    worse: int = Field(sa_column=Column(Integer, nullable=False))
