"""Helpers of the rollout tests: a canary whose texts tell it from the current version."""

from __future__ import annotations

import hashlib
from typing import Any

MARK = " ·canary"
WORKOUT = {"activity": {"type": "running", "duration_min": 30}}


# A TestClient or an httpx.Client: both take the same calls.
Client = Any


def reference_bucket(canary: int, identity: str) -> int:
    """The bucketing rule as the contract states it, written out independently of app/."""
    digest = hashlib.blake2b(f"{canary}:{identity}".encode(), digest_size=8).digest()
    return int.from_bytes(digest[:8], "big") % 10_000


def marked_draft(client: Client, headers: dict[str, str]) -> int:
    """A draft of version 1 whose every cause title ends in MARK (in every locale)."""
    draft = client.post("/v1/admin/content/versions", json={"base_version": 1}, headers=headers)
    assert draft.status_code == 201, draft.text
    version: int = draft.json()["version"]
    bundle = draft.json()["bundle"]
    for cause in bundle["causes"]:
        for text in cause["text"].values():
            text["title"] += MARK
    put = client.put(f"/v1/admin/content/versions/{version}", json=bundle, headers=headers)
    assert put.status_code == 200, put.text
    return version


def start_canary(client: Client, headers: dict[str, str], percent: int) -> int:
    version = marked_draft(client, headers)
    published = client.post(
        f"/v1/admin/content/versions/{version}/publish",
        json={"rollout_percent": percent},
        headers=headers,
    )
    assert published.status_code == 200, published.text
    return version


def check_consistent(answer: dict[str, Any], canary: int) -> int:
    """The version an answer says served it, after checking its texts are that version's."""
    served: int = answer["content_version"]
    marked = [c["title"].endswith(MARK) for c in answer["causes"]]
    assert marked, answer
    assert all(marked) if served == canary else not any(marked), answer
    return served
