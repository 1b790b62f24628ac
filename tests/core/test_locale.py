"""Choosing the language of an answer: ?locale=, Accept-Language with q-values and region
fallback, the default; Content-Language and Vary on the answers; per-item fallback of a
partial locale over HTTP; units and activity names at the API's edge."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core import locale as locale_module
from app.core.locale import MAX_ACCEPT_LANGUAGE, negotiate_locale
from tests.rules.test_golden import PUBLIC_VIGNETTES, public_cases

AVAILABLE = ("en", "es")
ADMIN = "/v1/admin/content"
RUN = {"activity": {"type": "running", "duration_min": 45, "intensity_rpe": 7}}


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [
        # ?locale= wins, with its region dropped when only the language is available
        ("es", None, "es"),
        ("es-MX", None, "es"),
        ("ES_mx", None, "es"),
        ("es-419", "en", "es"),
        ("en", "es", "en"),
        # Accept-Language by q-value, ties in header order
        (None, "es-MX", "es"),
        (None, "es-MX,es;q=0.9,en;q=0.8", "es"),
        (None, "en-US,en;q=0.9,es;q=0.8", "en"),
        (None, "en;q=0.2, es", "es"),
        (None, "fr-CA, fr;q=0.9, es;q=0.5, en;q=0.1", "es"),
        (None, "es, en", "es"),
        (None, "en, es", "en"),
        (None, "es;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
        (None, "es;q=abc, en;q=0.1", "en"),  # a broken q-value counts as 0
        # an unknown requested locale falls through to the header, then to the default
        ("tlh", "es-AR", "es"),
        ("tlh", None, "en"),
        ("fr", "de, it", "en"),
        (None, "*", "en"),
        (None, "", "en"),
        (None, ",,;;q=,  ;", "en"),
        (None, "x" * 40, "en"),
        (None, None, "en"),
    ],
)
def test_negotiation(requested: str | None, header: str | None, expected: str) -> None:
    assert negotiate_locale(requested, header, AVAILABLE, "en") == expected


def test_the_default_locale_need_not_be_english() -> None:
    assert negotiate_locale(None, "fr", ("es", "en"), "es") == "es"
    assert negotiate_locale("pt-BR", None, ("pt",), "pt") == "pt"


def test_many_distinct_long_headers_leave_the_cache_bounded() -> None:
    """An Accept-Language per request, each different and long, must not grow the memory."""
    cache = locale_module._negotiate
    cache.cache_clear()
    for index in range(2_000):  # over the cap: ignored, so all are one entry (no header)
        header = f"es;q=0.{index % 9 + 1}," + "x" * MAX_ACCEPT_LANGUAGE + str(index)
        assert negotiate_locale(None, header, AVAILABLE, "en") == "en"
    assert cache.cache_info().currsize == 1
    for index in range(2_000):  # at the cap: cached, in a bounded number of bounded entries
        padding = "x" * (MAX_ACCEPT_LANGUAGE - 20)
        header = f"{padding},es;q=0.5,{index:05d}"[:MAX_ACCEPT_LANGUAGE]
        assert negotiate_locale(None, header, AVAILABLE, "en") == "es"
    info = cache.cache_info()
    assert info.currsize <= info.maxsize == 512


def test_the_header_is_normalised_before_the_cache() -> None:
    cache = locale_module._negotiate
    cache.cache_clear()
    for header in ("es-MX, en;q=0.5", "ES-mx,en; q=0.5", " es-mx ,  EN;q=0.5 "):
        assert negotiate_locale(None, header, AVAILABLE, "en") == "es"
    assert cache.cache_info().currsize == 1


LONG_HEADER = {"Accept-Language": "es," + "x" * 600}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/causes", None),
        ("GET", "/v1/tips", None),
        ("POST", "/v1/assessments", RUN),
        ("POST", "/v1/assessments:batch", {"items": [RUN]}),
    ],
)
def test_an_over_long_header_is_ignored_on_every_route(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """One behaviour everywhere: the default locale answers, never a 422."""
    response = client.request(method, path, json=body, headers=LONG_HEADER)
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "en"
    short = client.request(method, path, json=body, headers={"Accept-Language": "es"})
    assert short.headers["content-language"] == "es"


# --- the read API -------------------------------------------------------------------------


def test_reads_answer_in_the_negotiated_language(client: TestClient) -> None:
    english = client.get("/v1/causes").json()
    response = client.get("/v1/causes", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert response.status_code == 200
    assert response.headers["content-language"] == "es"
    assert response.headers["vary"] == "Accept-Language"
    body = response.json()
    assert body["locale"] == "es" and body["fallback_items"] == []
    titles = {cause["id"]: cause["title"] for cause in body["causes"]}
    assert titles["muscle_fatigue"] == "Fatiga muscular"
    assert set(titles.values()).isdisjoint(c["title"] for c in english["causes"])
    for path in ("/v1/tips", "/v1/faqs", "/v1/causes/dehydration"):
        page = client.get(path, params={"locale": "es"})
        assert page.json()["locale"] == "es" and page.json()["fallback_items"] == [], path


def test_the_query_overrides_the_header_and_etags_differ_per_language(client: TestClient) -> None:
    spanish = client.get("/v1/tips", params={"locale": "es"}, headers={"Accept-Language": "en"})
    english = client.get("/v1/tips", headers={"Accept-Language": "en"})
    assert spanish.headers["content-language"] == "es"
    assert english.headers["content-language"] == "en"
    assert spanish.headers["etag"] != english.headers["etag"]
    again = client.get(
        "/v1/tips",
        headers={"Accept-Language": "es", "If-None-Match": spanish.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["content-language"] == "es"
    assert again.headers["vary"] == "Accept-Language"


# --- assessments --------------------------------------------------------------------------


def test_an_assessment_answers_in_the_negotiated_language(client: TestClient) -> None:
    english = client.post("/v1/assessments", json=RUN)
    spanish = client.post("/v1/assessments", json=RUN, headers={"Accept-Language": "es-ES"})
    assert english.status_code == spanish.status_code == 200
    for response, locale in ((english, "en"), (spanish, "es")):
        assert response.headers["content-language"] == locale
        assert response.headers["vary"] == "Accept-Language"
        body = response.json()
        assert body["locale"] == locale and body["fallback_items"] == []
        assert body["warnings"] == []
        assert body["normalized_context"] == {"activity": {**RUN["activity"], "duration_min": 45}}
    ids = [cause["id"] for cause in english.json()["causes"]]
    assert [cause["id"] for cause in spanish.json()["causes"]] == ids
    assert spanish.json()["disclaimer"].startswith("Este contenido")
    unknown = client.post(
        "/v1/assessments", params={"locale": "tlh"}, json=RUN, headers={"Accept-Language": "es"}
    )
    assert unknown.status_code == 200 and unknown.json()["locale"] == "es"


def test_a_batch_answers_in_one_language(client: TestClient) -> None:
    response = client.post(
        "/v1/assessments:batch", params={"locale": "es-AR"}, json={"items": [RUN, RUN]}
    )
    assert response.status_code == 200
    assert response.headers["content-language"] == "es"
    assert response.headers["vary"] == "Accept-Language"
    assert [result["locale"] for result in response.json()["results"]] == ["es", "es"]


def test_imperial_inputs_are_understood_and_echoed_in_si(client: TestClient) -> None:
    body = {
        "activity": {"type": "HKWorkoutActivityTypeRunning", "duration_min": 90, "distance_mi": 10},
        "environment": {"temperature_f": 95},
        "hydration": {"fluid_intake_oz": 12, "body_mass_lb": 180, "body_mass_change_lb": -4.5},
    }
    response = client.post("/v1/assessments", json=body)
    assert response.status_code == 200, response.text
    understood = response.json()["normalized_context"]
    assert understood["activity"] == {"type": "running", "duration_min": 90, "distance_km": 16.093}
    assert understood["environment"] == {"temperature_c": 35}
    assert understood["hydration"] == {
        "fluid_intake_ml": 354.882,
        "body_mass_change_pct": -2.5,
        "body_mass_kg": 81.647,
    }
    evidence = {e["field"] for c in response.json()["causes"] for e in c["evidence"]}
    assert "environment.temperature_c" in evidence
    assert not any(field.endswith(("_f", "_oz", "_mi", "_lb", "_ft")) for field in evidence)


def test_disagreeing_units_are_a_422_naming_the_field(client: TestClient) -> None:
    body = {**RUN, "environment": {"temperature_c": 20, "temperature_f": 95}}
    lenient = client.post("/v1/assessments", json=body)
    assert lenient.status_code == 200
    assert lenient.json()["normalized_context"]["environment"]["temperature_c"] == 20
    assert [w["field"] for w in lenient.json()["warnings"]] == ["environment.temperature_f"]
    response = client.post("/v1/assessments?strict=true", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [error["loc"] for error in problem["errors"]] == ["environment.temperature_f"]
    assert "temperature_c" in problem["errors"][0]["message"]
    assert "environment.temperature_f" in problem["detail"]


def test_an_unknown_activity_is_a_422_listing_the_accepted_values(client: TestClient) -> None:
    response = client.post(
        "/v1/assessments", json={"activity": {"type": "quidditch", "duration_min": 30}}
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == "activity.type"
    for value in ("running", "strength_training", "team_sport", "other"):
        assert value in error["message"]
    assert "quidditch" not in response.text
    batch = client.post(
        "/v1/assessments:batch",
        json={"items": [RUN, {"activity": {"type": "quidditch", "duration_min": 30}}]},
    )
    first, second = batch.json()["results"]
    assert first["causes"] and second["status"] == 422
    assert second["errors"][0]["loc"] == "activity.type"


def test_an_unusual_value_is_answered_with_a_warning_in_the_language(client: TestClient) -> None:
    body = {**RUN, "environment": {"temperature_c": 48}}
    response = client.post("/v1/assessments", json=body, params={"locale": "es"})
    assert response.status_code == 200
    (warning,) = response.json()["warnings"]
    assert warning["field"] == "environment.temperature_c"
    assert warning["code"] == "temperature_very_high"
    assert "temperature_f" in warning["message"] and warning["message"].startswith("Más de 45")


# --- a partial locale, published -----------------------------------------------------------


def french_bundle(bundle: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The bundle with French for one cause only, declared partial (or not declared at all)."""
    for cause in bundle["causes"]:
        if cause["id"] == "dehydration":
            cause["text"]["fr"] = {
                "title": "Déshydratation",
                "summary": "Vous avez perdu plus d'eau que vous n'en avez bu.",
                "explanation": "Avec moins d'eau, le sang refroidit moins bien le corps.",
                "typical_situations": ["Une longue sortie par temps chaud"],
            }
    bundle["partial_locales"] = ["fr"] if partial else []
    return bundle


def test_a_partial_locale_is_published_and_falls_back_per_item(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    draft = client.post(
        f"{ADMIN}/versions", json={"notes": "French, a start"}, headers=admin_headers
    )
    assert draft.status_code == 201, draft.text
    version = draft.json()["version"]
    bundle = client.get(f"/v1/content/versions/{version}", headers=admin_headers).json()["bundle"]

    # A locale that is neither complete nor declared partial is refused.
    undeclared = client.put(
        f"{ADMIN}/versions/{version}",
        json=french_bundle(bundle, partial=False),
        headers=admin_headers,
    )
    assert undeclared.status_code == 200, undeclared.text
    report = client.post(f"{ADMIN}/versions/{version}/validate", headers=admin_headers).json()
    assert report["valid"] is False
    assert any(p["path"].endswith(".fr") for p in report["problems"])
    assert (
        client.post(f"{ADMIN}/versions/{version}/publish", headers=admin_headers).status_code == 422
    )

    replaced = client.put(
        f"{ADMIN}/versions/{version}",
        json=french_bundle(bundle, partial=True),
        headers=admin_headers,
    )
    assert replaced.status_code == 200, replaced.text
    published = client.post(f"{ADMIN}/versions/{version}/publish", headers=admin_headers)
    assert published.status_code == 200, published.text

    causes = client.get("/v1/causes", headers={"Accept-Language": "fr-CA"})
    assert causes.headers["content-language"] == "fr"
    listing = causes.json()
    assert listing["locale"] == "fr"
    assert "dehydration" not in listing["fallback_items"]
    assert set(listing["fallback_items"]) == {c["id"] for c in listing["causes"]} - {"dehydration"}

    hot = {
        "activity": {"type": "running", "duration_min": 100, "intensity_rpe": 7},
        "environment": {"temperature_c": 33},
        "hydration": {"fluid_intake_ml": 150},
    }
    answer = client.post("/v1/assessments", json=hot, params={"locale": "fr"}).json()
    assert answer["locale"] == "fr" and answer["content_version"] == version
    titles = {cause["id"]: cause["title"] for cause in answer["causes"]}
    assert titles["dehydration"] == "Déshydratation"
    items = answer["fallback_items"]
    assert "causes:dehydration" not in items and "disclaimer" in items
    assert {f"causes:{cid}" for cid in titles if cid != "dehydration"} <= set(items)
    spanish = client.post("/v1/assessments", json=hot, params={"locale": "es"}).json()
    assert spanish["fallback_items"] == []
    assert [c["id"] for c in spanish["causes"]] == [c["id"] for c in answer["causes"]]


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_public_vignettes_pass_over_http_in_both_languages(
    client: TestClient, locale: str
) -> None:
    """Scored with the vignette runner's own rule, in each language."""
    runner_path = PUBLIC_VIGNETTES.parent / "run_vignettes.py"
    if not runner_path.is_file():
        pytest.skip(f"{runner_path} is not beside the repository")
    spec = importlib.util.spec_from_file_location("run_vignettes", runner_path)
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    failures = []
    for case in public_cases():
        response = client.post(
            "/v1/assessments", params={"limit": 8, "locale": locale}, json=case["context"]
        )
        answer = response.json()
        assert response.status_code != 200 or answer["locale"] == locale
        if why := runner.check(case, response.status_code, answer):
            failures.append(f"{case['id']}: {why}")
    assert not failures
