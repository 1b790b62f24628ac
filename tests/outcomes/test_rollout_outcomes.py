"""A rollout judged by its outcomes: rates side by side on GET, and the automatic abort,
which counts independent sources (each once per version), never one caller's volume."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.outcomes.rollout import AUTO_ABORT_ACTOR
from app.outcomes.service import feedback_source
from tests.content.rollout_helpers import WORKOUT, start_canary
from tests.outcomes.conftest import other_spellings

ROLLOUT = "/v1/admin/content/rollout"
_addresses = count(1)


def _client(settings: Settings, **changes: Any) -> TestClient:
    # The proxy header names each caller's address, so a test can be many independent callers.
    roomy = settings.model_copy(
        update={"rate_limit_assess": "1000000/minute", "forwarded_allow_ips": ["*"], **changes}
    )
    return TestClient(create_app(roomy), raise_server_exceptions=False)


def new_address() -> str:
    """An address no other caller of the test has used: an independent source."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@pytest.fixture
def watched(settings: Settings) -> Iterator[TestClient]:
    """Aborts when the canary's worse rate is 20 points above, after 4 sources each."""
    with _client(
        settings, rollout_auto_abort_margin=0.2, rollout_auto_abort_min_sources=4
    ) as client:
        yield client


def answers_of(client: TestClient, version: int, count: int) -> list[dict[str, Any]]:
    """`count` answers served from `version`, by trying client ids until enough land there."""
    found: list[dict[str, Any]] = []
    for n in range(2000):
        answer = client.post(
            "/v1/assessments", json=WORKOUT, headers={"X-Client-ID": f"judge-{n}"}
        ).json()
        if answer["content_version"] == version:
            found.append(answer)
            if len(found) == count:
                return found
    raise AssertionError(f"fewer than {count} answers from version {version}")


def pinned_answer(client: TestClient, version: int, address: str) -> dict[str, Any]:
    answer = client.post(
        "/v1/assessments",
        json=WORKOUT,
        params={"content_version": version},
        headers={"X-Forwarded-For": address},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def feedback(
    client: TestClient, answer: dict[str, Any], outcome: str, address: str | None = None
) -> None:
    """Feedback from `address` (default: a new one, so each call is another source)."""
    sent = client.post(
        f"/v1/assessments/{answer['assessment_id']}/feedback",
        json={"outcome": outcome},
        headers={"X-Forwarded-For": address or new_address()},
    )
    assert sent.status_code == 202, sent.text


def rollout(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    shown = client.get(ROLLOUT, headers=headers)
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


def test_get_shows_both_versions_outcome_rates(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with _client(settings) as client:
        canary = start_canary(client, admin_headers, 50)
        one_caller = new_address()
        for answer in answers_of(client, canary, 3):
            feedback(client, answer, "worse", one_caller)
        for answer in answers_of(client, 1, 2):
            feedback(client, answer, "resolved")
        shown = rollout(client, admin_headers)
        assert shown["canary_outcomes"]["feedback_count"] == 3
        assert shown["canary_outcomes"]["outcomes"]["worse"]["rate"] == 1.0
        assert shown["current_outcomes"]["feedback_count"] == 2
        assert shown["current_outcomes"]["outcomes"]["worse"]["rate"] == 0.0
        assert shown["current_outcomes"]["outcomes"]["resolved"]["ci_low"] > 0
        # As the automatic abort counts them: one caller is one source.
        assert shown["canary_sources"]["sources"] == 1
        assert shown["canary_sources"]["outcomes"]["worse"]["count"] == 1
        assert shown["current_sources"]["sources"] == 2
        assert shown["auto_abort_min_sources"] == shown["auto_abort_min_feedback"] == 30
        assert shown["auto_abort_margin"] is None  # unset: never by itself
        assert shown["running"] is True  # with no margin, nothing aborts


def test_a_canary_worse_by_more_than_the_margin_is_aborted(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    for answer in answers_of(watched, 1, 4):
        feedback(watched, answer, "better")
    canary_answers = answers_of(watched, canary, 4)
    for answer in canary_answers[:3]:
        feedback(watched, answer, "worse")
    assert rollout(watched, admin_headers)["running"] is True  # 3 sources: not enough yet
    feedback(watched, canary_answers[3], "worse")
    shown = rollout(watched, admin_headers)
    assert shown["running"] is False
    assert shown["current_version"] == 1
    audit = watched.get("/v1/admin/audit", headers=admin_headers).json()["items"]
    aborts = [entry for entry in audit if entry["action"] == "rollout_abort"]
    assert aborts and aborts[0]["actor"] == AUTO_ABORT_ACTOR
    assert "worse rate" in aborts[0]["reason"] and "4 sources" in aborts[0]["reason"]
    # Nobody is served the aborted canary any more; pinned, it still answers.
    assert {a["content_version"] for a in answers_of(watched, 1, 20)} == {1}
    pinned = watched.post("/v1/assessments", json=WORKOUT, params={"content_version": canary})
    assert pinned.status_code == 200


def test_a_canary_within_the_margin_keeps_running(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    for outcome, answer in zip(
        ["worse", "better", "better", "better"], answers_of(watched, 1, 4), strict=True
    ):
        feedback(watched, answer, outcome)  # current: 25 % worse
    for outcome, answer in zip(
        ["better", "worse", "better", "same"], answers_of(watched, canary, 4), strict=True
    ):
        feedback(watched, answer, outcome)  # canary: 25 % worse too, 0 points above
    assert rollout(watched, admin_headers)["running"] is True
    for answer in answers_of(watched, canary, 6)[4:]:
        feedback(watched, answer, "worse")  # canary: 3 of 6, 25 points above: past 0.2
    assert rollout(watched, admin_headers)["running"] is False


def test_enough_sources_on_both_sides_are_needed(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    for answer in answers_of(watched, canary, 6):
        feedback(watched, answer, "worse")  # the current version has no feedback yet
    shown = rollout(watched, admin_headers)
    assert shown["running"] is True
    assert shown["canary_outcomes"]["feedback_count"] == 6
    assert shown["canary_sources"]["sources"] == 6


def test_a_source_counts_its_latest_outcome_once_per_version(
    watched: TestClient, admin_headers: dict[str, str]
) -> None:
    canary = start_canary(watched, admin_headers, 50)
    caller = new_address()
    answers = answers_of(watched, canary, 3)
    for outcome, answer in zip(["worse", "worse", "better"], answers, strict=True):
        feedback(watched, answer, outcome, caller)
    feedback(watched, answers[0], "same", caller)  # a repeat on an answer: its latest counts
    sources = rollout(watched, admin_headers)["canary_sources"]
    assert sources["sources"] == 1
    assert {o: v["count"] for o, v in sources["outcomes"].items()} == {
        "resolved": 0,
        "better": 0,
        "same": 1,
        "worse": 0,
    }


# --- the attacks of issue 27, from one address within the default limits -------------------


@pytest.fixture
def defaults(settings: Settings) -> Iterator[TestClient]:
    """The default limits and minimum (30 sources), with a margin of 0.1."""
    changed = settings.model_copy(
        update={"forwarded_allow_ips": ["*"], "rollout_auto_abort_margin": 0.1}
    )
    with TestClient(create_app(changed), raise_server_exceptions=False) as client:
        yield client


def test_one_address_cannot_abort_a_canary(
    defaults: TestClient, admin_headers: dict[str, str]
) -> None:
    """30 canary answers (pinned) with 'worse' and 30 current ones with 'resolved', from one
    address, then one canary answer re-spelled: the canary keeps running."""
    canary = start_canary(defaults, admin_headers, 10)
    attacker = new_address()
    canary_answers = [pinned_answer(defaults, canary, attacker) for _ in range(30)]
    current_answers = [pinned_answer(defaults, 1, attacker) for _ in range(30)]
    for answer in current_answers:
        feedback(defaults, answer, "resolved", attacker)
    for n, answer in enumerate(canary_answers):
        sent = defaults.post(
            f"/v1/assessments/{answer['assessment_id']}/feedback",
            json={"outcome": "worse"},
            # Client ids are made up for free: an anonymous caller's are not sources.
            headers={"X-Forwarded-For": attacker, "X-Client-ID": f"victim-{n}"},
        )
        assert sent.status_code == 202, sent.text  # within the default limits
    for spelling in other_spellings(canary_answers[0]["assessment_id"], 20):
        sent = defaults.post(
            f"/v1/assessments/{spelling}/feedback",
            json={"outcome": "worse"},
            headers={"X-Forwarded-For": attacker},
        )
        assert sent.status_code == 404
    shown = rollout(defaults, admin_headers)
    assert shown["running"] is True
    assert shown["canary_sources"]["sources"] == shown["current_sources"]["sources"] == 1


def test_one_address_cannot_keep_a_bad_canary_running(
    defaults: TestClient, admin_headers: dict[str, str]
) -> None:
    """Independent sources find the canary 20 points worse (40 % against 20 %); one address
    floods it with 60 'better' first. Counted per feedback that hid it (13 %); counted per
    source, the abort still comes."""
    canary = start_canary(defaults, admin_headers, 10)
    attacker = new_address()
    flood = [pinned_answer(defaults, canary, attacker) for _ in range(60)]
    for answer in flood:
        feedback(defaults, answer, "better", attacker)
    for n in range(30):
        address = new_address()
        feedback(defaults, pinned_answer(defaults, 1, address), "worse" if n < 6 else "better")
    for n in range(30):
        address = new_address()
        answer = pinned_answer(defaults, canary, address)
        feedback(defaults, answer, "worse" if n >= 18 else "better", address)
        if not rollout(defaults, admin_headers)["running"]:
            break
    assert rollout(defaults, admin_headers)["running"] is False
    audit = defaults.get("/v1/admin/audit", headers=admin_headers).json()["items"]
    [abort] = [entry for entry in audit if entry["action"] == "rollout_abort"]
    assert abort["actor"] == AUTO_ABORT_ACTOR
    # The flood counted as one source beside the independent ones, not as 60 feedback.
    assert int(abort["reason"].split(" over ")[1].split()[0]) <= 31, abort["reason"]


def test_sources_are_keys_with_their_users_else_networks() -> None:
    assert feedback_source("app", "user-1", "") != feedback_source("app", "user-2", "")
    assert feedback_source("app", None, "") != feedback_source("other", None, "")
    # Anonymous: the address alone, whatever client id was sent.
    assert feedback_source(None, None, "203.0.113.7") == feedback_source(
        None, None, "::ffff:203.0.113.7"
    )
    assert feedback_source(None, None, "203.0.113.7") != feedback_source(None, None, "203.0.113.8")
    # One IPv6 /48 is one network: a host given a /64 or a /48 is one source.
    assert feedback_source(None, None, "2001:db8:1:2::1") == feedback_source(
        None, None, "2001:db8:1:ffff:abcd::9"
    )
    assert feedback_source(None, None, "2001:db8:1::1") != feedback_source(
        None, None, "2001:db8:2::1"
    )
