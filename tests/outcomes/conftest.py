"""Helpers for the outcomes tests: assess, give feedback, read what was stored."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.auth import service as keys
from app.auth.scopes import Scope
from app.outcomes.models import OutcomeFeedback

WORKOUT = {
    "activity": {"type": "running", "duration_min": 95, "intensity_rpe": 8},
    "environment": {"temperature_c": 31, "humidity_pct": 70},
    "hydration": {"fluid_intake_ml": 200},
    "symptoms": {"timing": "after"},
}


def lenient_bytes(text: str) -> bytes:
    """What the decoder of ids read before ids had one spelling: padding added, then
    `base64.urlsafe_b64decode`, which skips characters outside the alphabet, stops at padding
    and ignores the unused bits of the last character."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Characters a URL path segment carries as they are (no slash, no percent sign).
_PATH_JUNK = "=.~!*'()$+,;:@"
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def other_spellings(token: str, count: int) -> list[str]:
    """`count` other spellings of `token` that the lenient decoder read as the same id, all
    fit for a URL path: padding, junk after it, junk inside, other unused bits at the end."""
    last = _ALPHABET.index(token[-1])
    unused = {2: 4, 3: 2}.get(len(token) % 4, 0)
    candidates = [
        *(token[:-1] + _ALPHABET[(last & ~((1 << unused) - 1)) | b] for b in range(1, 1 << unused)),
        *(token + "=" * n + tail for n in range(1, 4) for tail in ("", "AAAA", "x", "=x", ".")),
        *(
            token[:i] + junk + token[i:] + "=" * n
            for n in range(3)
            for junk in _PATH_JUNK
            for i in (1, 5, 9, 13, 17)
        ),
        *(token + junk * n for junk in _PATH_JUNK for n in range(1, 4)),
    ]
    found: list[str] = []
    expected = lenient_bytes(token)
    for candidate in dict.fromkeys(candidates):
        try:
            same = candidate != token and lenient_bytes(candidate) == expected
        except (binascii.Error, ValueError):
            same = False
        if same:
            found.append(candidate)
            if len(found) == count:
                break
    return found


def assess(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/v1/assessments", json=body or WORKOUT)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def feedback(client: TestClient, assessment_id: str, **body: Any) -> Any:
    return client.post(f"/v1/assessments/{assessment_id}/feedback", json=body)


def stored_feedback(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(select(OutcomeFeedback)).all()
            return [
                {
                    "assessment_id": row.assessment_id,
                    "version": row.version,
                    "outcome": row.outcome,
                    "helpful": row.helpful,
                    "causes": json.loads(row.causes_json),
                    "tips": json.loads(row.tips_json),
                    "tips_followed": json.loads(row.tips_followed_json),
                }
                for row in rows
            ]
    finally:
        engine.dispose()


@pytest.fixture
def make_key(client: TestClient) -> Callable[..., str]:
    """A stored key with the given scopes."""
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    names = iter(range(1_000))

    def make(*scopes: Scope) -> str:
        with Session(engine) as session:
            key = keys.create_key(session, f"outcomes-{next(names)}", frozenset(scopes), actor="t")
            session.commit()
        return key

    return make
