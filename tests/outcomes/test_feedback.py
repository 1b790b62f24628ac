"""POST /v1/assessments/{id}/feedback: attributed to what the answer showed, ids verified."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlmodel import Session

from app.content import publishing
from app.content.files import DEFAULT_CONTENT_DIR, load_bundle
from app.core import migrate
from app.core.config import Settings
from app.main import create_app
from app.rules.bundle import Bundle
from tests.databases import scratch_database
from tests.outcomes.conftest import WORKOUT, assess, feedback, other_spellings, stored_feedback


def test_feedback_is_attributed_to_what_the_answer_showed(
    client: TestClient, database_url: str
) -> None:
    answer = assess(client)
    tip = answer["tips"][0]["id"]
    response = feedback(
        client, answer["assessment_id"], outcome="better", tips_followed=[tip], helpful=True
    )
    assert response.status_code == 202, response.text
    assert response.json() == {
        "assessment_id": answer["assessment_id"],
        "content_version": 1,
        "outcome": "better",
        "replaced": False,
    }
    [row] = stored_feedback(database_url)
    assert row == {
        "assessment_id": answer["assessment_id"],
        "version": answer["content_version"],
        "outcome": "better",
        "helpful": True,
        "causes": [cause["id"] for cause in answer["causes"]],
        "tips": [t["id"] for t in answer["tips"]],
        "tips_followed": [tip],
    }


def test_each_answer_of_a_batch_is_attributed_to_its_own_causes_and_tips(
    client: TestClient, database_url: str
) -> None:
    items = [
        WORKOUT,
        {"activity": {"type": "strength_training", "duration_min": 60, "to_failure": True}},
        {"activity": {"type": "cycling", "duration_min": 20}, "symptoms": {"timing": "during"}},
    ]
    batch = client.post("/v1/assessments:batch", json={"items": items})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert len({r["assessment_id"] for r in results}) == 3
    for result in results:
        assert feedback(client, result["assessment_id"], outcome="same").status_code == 202
    stored = {row["assessment_id"]: row for row in stored_feedback(database_url)}
    for result in results:
        row = stored[result["assessment_id"]]
        assert row["causes"] == [cause["id"] for cause in result["causes"]]
        assert row["tips"] == [tip["id"] for tip in result["tips"]]
        assert row["version"] == 1


def test_repeated_feedback_replaces_the_earlier(client: TestClient, database_url: str) -> None:
    answer_id = assess(client)["assessment_id"]
    assert feedback(client, answer_id, outcome="same").json()["replaced"] is False
    second = feedback(client, answer_id, outcome="resolved", helpful=False)
    assert second.status_code == 202
    assert second.json()["replaced"] is True
    [row] = stored_feedback(database_url)
    assert (row["outcome"], row["helpful"]) == ("resolved", False)


def test_concurrent_feedback_on_one_answer_ends_with_one_row(
    client: TestClient, database_url: str
) -> None:
    answer_id = assess(client)["assessment_id"]
    outcomes = ["same", "worse", "better", "resolved"] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(lambda o: feedback(client, answer_id, outcome=o).status_code, outcomes)
        )
    assert statuses == [202] * len(outcomes)
    rows = stored_feedback(database_url)
    assert len(rows) == 1 and rows[0]["outcome"] in outcomes


def _flip(token: str, position: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[position] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_ids_this_service_did_not_issue_are_404(client: TestClient, database_url: str) -> None:
    token = assess(client)["assessment_id"]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    other_version = raw[:1] + (2).to_bytes(4, "big") + raw[5:]
    bad = [
        _flip(token, 3),
        _flip(token, len(raw) - 1),
        base64.urlsafe_b64encode(other_version).rstrip(b"=").decode(),
        token[:-2],
        "0123456789abcdef0123456789abcdef",  # the old id shape
        "x",
        "%00",
    ]
    for assessment_id in bad:
        response = feedback(client, assessment_id, outcome="worse")
        assert response.status_code == 404, (assessment_id, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert stored_feedback(database_url) == []


def test_an_id_signed_with_another_secret_is_404(settings: Settings) -> None:
    one = settings.model_copy(update={"assessment_id_secret": SecretStr("first")})
    two = settings.model_copy(update={"assessment_id_secret": SecretStr("second")})
    with TestClient(create_app(one)) as first:
        token = assess(first)["assessment_id"]
        assert feedback(first, token, outcome="same").status_code == 202
    with TestClient(create_app(two)) as second:
        assert feedback(second, token, outcome="same").status_code == 404


def test_a_bad_outcome_or_a_tip_not_shown_is_422_with_the_field(client: TestClient) -> None:
    answer = assess(client)
    answer_id = answer["assessment_id"]
    bad_outcome = feedback(client, answer_id, outcome="fine")
    assert bad_outcome.status_code == 422
    assert bad_outcome.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in bad_outcome.json()["errors"]] == ["outcome"]

    shown = answer["tips"][0]["id"]
    not_shown = feedback(client, answer_id, outcome="better", tips_followed=[shown, "made_up"])
    assert not_shown.status_code == 422, not_shown.text
    assert [e["loc"] for e in not_shown.json()["errors"]] == ["tips_followed.1"]

    # Strict: JSON's 0 and "yes" are not booleans (lax parsing took 0 as false).
    for not_a_boolean in (0, 1, "yes"):
        bad_helpful = feedback(client, answer_id, outcome="same", helpful=not_a_boolean)
        assert bad_helpful.status_code == 422, not_a_boolean
        assert [e["loc"] for e in bad_helpful.json()["errors"]] == ["helpful"]

    missing = feedback(client, answer_id)
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["errors"]] == ["outcome"]
    not_json = client.post(
        f"/v1/assessments/{answer_id}/feedback",
        content=b"{",
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code == 422
    assert not_json.headers["content-type"] == "application/problem+json"


def test_one_answer_counts_once_whatever_its_spelling(
    client: TestClient, database_url: str, admin_headers: dict[str, str]
) -> None:
    """30 spellings of one id, each read as that id by a lenient base64 decoder: the one it
    was issued with is accepted, the 29 others are 404, and the report counts one answer."""
    token = assess(client)["assessment_id"]
    others = other_spellings(token, 29)
    assert len(others) == 29
    assert feedback(client, token, outcome="worse").status_code == 202
    for other in others:
        response = feedback(client, other, outcome="worse")
        assert response.status_code == 404, (other, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert [row["assessment_id"] for row in stored_feedback(database_url)] == [token]
    report = client.get("/v1/admin/content/versions/1/outcomes", headers=admin_headers).json()
    assert report["overall"]["feedback_count"] == 1
    assert report["overall"]["outcomes"]["worse"]["count"] == 1


def _other_content() -> Bundle:
    """The default content with its tips in the opposite order: same version number, same
    ids, but a tip's position names another tip."""
    bundle = load_bundle(DEFAULT_CONTENT_DIR)
    return bundle.model_copy(update={"tips": list(reversed(bundle.tips))})


@contextmanager
def _deployment(settings: Settings, url: str, bundle: Bundle | None = None) -> Iterator[TestClient]:
    """Another deployment: its own database (holding `bundle` as version 1), the same secret."""
    migrate.upgrade(url)
    if bundle is not None:
        engine = create_engine(url)
        with Session(engine) as session:
            assert publishing.bootstrap(session, bundle) == 1
            session.commit()
        engine.dispose()
    other = settings.model_copy(update={"database_url": url})
    with TestClient(create_app(other), raise_server_exceptions=False) as client:
        yield client


def test_an_id_is_bound_to_the_content_it_was_made_from(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """Deployments sharing ASSESSMENT_ID_SECRET: one holding other content under version 1
    refuses the other's ids (404); one holding the same content accepts them."""
    shared = settings.model_copy(update={"assessment_id_secret": SecretStr("shared")})
    with (
        scratch_database(database_url, "other_content", tmp_path) as other_url,
        scratch_database(database_url, "same_content", tmp_path) as same_url,
    ):
        with _deployment(shared, other_url, _other_content()) as other:
            other_answer = assess(other)
            other_token = other_answer["assessment_id"]
            with TestClient(create_app(shared), raise_server_exceptions=False) as first:
                answer = assess(first)
                assert answer["content_version"] == other_answer["content_version"] == 1
                token = answer["assessment_id"]
                assert feedback(other, token, outcome="better").status_code == 404
                assert feedback(first, other_token, outcome="better").status_code == 404
                assert feedback(first, token, outcome="better").status_code == 202
            assert feedback(other, other_token, outcome="worse").status_code == 202
        with _deployment(shared, same_url) as same:  # the bundled default content, as first
            assert feedback(same, token, outcome="same").status_code == 202
    assert [row["assessment_id"] for row in stored_feedback(database_url)] == [token]


OUTCOME_NAMES = ("resolved", "better", "same", "worse")


def _sources_and_tally(database_url: str) -> tuple[list[tuple[int, str]], list[tuple[Any, ...]]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            sources = conn.execute(text("SELECT version, outcome FROM outcome_source")).all()
            tally = conn.execute(
                text(
                    "SELECT version, sources, resolved, better, same, worse "
                    "FROM outcome_source_tally"
                )
            ).all()
    finally:
        engine.dispose()
    return [(row[0], row[1]) for row in sources], [tuple(row) for row in tally]


def test_concurrent_feedback_keeps_the_source_tally_exact(
    settings: Settings, database_url: str
) -> None:
    """Many answers, feedback sent at once from one address and from eight others: the
    tally counts each source once, with the outcome its row holds."""
    proxied = settings.model_copy(update={"forwarded_allow_ips": ["*"]})
    with TestClient(create_app(proxied), raise_server_exceptions=False) as client:
        answers = [assess(client)["assessment_id"] for _ in range(16)]
        outcomes = ["same", "worse", "better", "resolved"] * 4
        senders = ["198.51.100.1"] * 8 + [f"198.51.100.{n}" for n in range(2, 10)]

        def send(n: int) -> int:
            response = client.post(
                f"/v1/assessments/{answers[n]}/feedback",
                json={"outcome": outcomes[n]},
                headers={"X-Forwarded-For": senders[n]},
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            assert list(pool.map(send, range(16))) == [202] * 16
    sources, tally = _sources_and_tally(database_url)
    assert len(sources) == 9  # one shared address and eight others
    counts = {o: sum(1 for _, outcome in sources if outcome == o) for o in OUTCOME_NAMES}
    assert tally == [(1, 9, *(counts[o] for o in OUTCOME_NAMES))]
