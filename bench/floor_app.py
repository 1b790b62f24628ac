"""The framework's floor: FastAPI on the same uvicorn, validating a small workout body with
pydantic and returning a fixed ~6 KB JSON document through a declared return type.

It parses, validates and serialises, and does nothing else: whatever the real service
costs beyond this is ours.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, Field


class Activity(BaseModel):
    type: str = Field(max_length=40)
    duration_min: float = Field(gt=0, le=1440)
    intensity_rpe: float | None = Field(default=None, ge=0, le=10)


class Environment(BaseModel):
    temperature_c: float | None = Field(default=None, ge=-40, le=60)
    humidity_pct: float | None = Field(default=None, ge=0, le=100)


class Workout(BaseModel):
    activity: Activity
    environment: Environment | None = None


class Evidence(BaseModel):
    field: str
    value: float | str | bool | None
    effect: str
    weight: float
    message: str


class Cause(BaseModel):
    id: str
    rank: int
    score: float
    confidence: str
    title: str
    summary: str
    explanation: str
    evidence: list[Evidence]


class Tip(BaseModel):
    id: str
    rank: int
    title: str
    body: str
    addresses: list[str]


class Answer(BaseModel):
    assessment_id: str
    content_version: int
    locale: str
    causes: list[Cause]
    tips: list[Tip]
    disclaimer: str


_SENTENCE = "A fixed sentence of ordinary length that stands in for real guidance text here. "
FIXED = Answer(
    assessment_id="0" * 32,
    content_version=1,
    locale="en",
    causes=[
        Cause(
            id=f"cause_{i}",
            rank=i + 1,
            score=0.5,
            confidence="medium",
            title=f"Cause {i}",
            summary=_SENTENCE,
            explanation=_SENTENCE * 3,
            evidence=[
                Evidence(
                    field="environment.temperature_c",
                    value=31,
                    effect="raises",
                    weight=0.4,
                    message=_SENTENCE,
                )
                for _ in range(3)
            ],
        )
        for i in range(5)
    ],
    tips=[
        Tip(id=f"tip_{i}", rank=i + 1, title=f"Tip {i}", body=_SENTENCE * 2, addresses=["a"])
        for i in range(5)
    ],
    disclaimer=_SENTENCE,
)

app = FastAPI()


@app.post("/floor")
async def floor(workout: Workout) -> Answer:
    """Validate the body, answer the fixed document."""
    return FIXED
