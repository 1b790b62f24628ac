"""GET /v1/content/versions/{version}/plan: a published version's plan, for devices."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import service as keys
from app.auth.scopes import Scope
from app.core.config import Settings
from app.main import create_app
from app.rules.plan import PLAN_FORMAT, plan_json

SCHEMA = json.loads((Path(__file__).parents[2] / "app/rules/plan.schema.json").read_text())
# The contract: "a few hundred KB at most"; gzip is what a client downloads with
# Accept-Encoding behind any proxy that compresses.
MAX_PLAN_BYTES = 400_000


def test_the_plan_of_the_current_version_is_the_engines_plan(client: TestClient) -> None:
    response = client.get("/v1/content/versions/1/plan", params={"locale": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-language"] == "en"
    assert "immutable" in response.headers["cache-control"]
    plan = response.json()
    assert (plan["plan_format"], plan["content_version"], plan["locale"]) == (PLAN_FORMAT, 1, "en")
    jsonschema.validate(plan, SCHEMA)
    engine = client.app.state.services.cache.get(1).engine  # type: ignore[attr-defined]
    assert response.content == plan_json(engine, "en")
    assert len(response.content) < MAX_PLAN_BYTES
    assert len(gzip.compress(response.content)) < MAX_PLAN_BYTES // 5


def test_each_locale_has_its_plan_and_tag(client: TestClient) -> None:
    english = client.get("/v1/content/versions/1/plan?locale=en")
    spanish = client.get("/v1/content/versions/1/plan", headers={"Accept-Language": "es-MX"})
    assert spanish.json()["locale"] == "es" and spanish.headers["content-language"] == "es"
    assert english.headers["etag"] != spanish.headers["etag"]
    assert english.json()["disclaimer"] != spanish.json()["disclaimer"]
    unknown = client.get("/v1/content/versions/1/plan?locale=fr")
    assert unknown.json()["locale"] == "en"  # the default locale, as every read answers


def test_a_client_holding_the_plan_gets_a_304(client: TestClient) -> None:
    first = client.get("/v1/content/versions/1/plan?locale=en")
    etag = first.headers["etag"]
    again = client.get("/v1/content/versions/1/plan?locale=en", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert again.headers["etag"] == etag
    stale = client.get("/v1/content/versions/1/plan?locale=en", headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200 and stale.content == first.content
    too_long = client.get(
        "/v1/content/versions/1/plan", headers={"If-None-Match": '"' + "x" * 2000 + '"'}
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["loc"] == "header.if-none-match"


@pytest.mark.parametrize(("path", "status"), [("/v1/content/versions/7/plan", 404),
                                               ("/v1/content/versions/0/plan", 422),
                                               ("/v1/content/versions/x/plan", 422)])  # fmt: skip
def test_an_unpublished_or_bad_version_is_a_problem(
    client: TestClient, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
def keyed(settings: Settings) -> Iterator[TestClient]:
    keyed_settings = settings.model_copy(update={"require_api_keys": True})
    with TestClient(create_app(keyed_settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _key(client: TestClient, *scopes: Scope) -> str:
    with Session(client.app.state.services.engine) as session:  # type: ignore[attr-defined]
        name = "plan-" + "-".join(sorted(scopes))
        key = keys.create_key(session, name, frozenset(scopes), actor="test")
        session.commit()
    return key


def test_with_keys_required_the_plan_needs_content_read(keyed: TestClient) -> None:
    assert keyed.get("/v1/content/versions/1/plan").status_code == 401
    assessor = _key(keyed, Scope.assess)
    denied = keyed.get(
        "/v1/content/versions/1/plan", headers={"Authorization": f"Bearer {assessor}"}
    )
    assert denied.status_code == 403
    reader = _key(keyed, Scope.content_read)
    allowed = keyed.get(
        "/v1/content/versions/1/plan", headers={"Authorization": f"Bearer {reader}"}
    )
    assert allowed.status_code == 200 and allowed.json()["content_version"] == 1
