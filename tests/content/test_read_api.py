"""The read API: causes, tips, FAQs and versions, with ETags, 304s and pinning."""

from __future__ import annotations

from fastapi.testclient import TestClient

CONTRACT_CAUSES = {  # the ids the contract fixes (a set: order is irrelevant)
    "dehydration",
    "electrolyte_imbalance",
    "energy_depletion",
    "insufficient_warmup",
    "muscle_fatigue",
    "neuromuscular_fatigue",
    "overexertion",
    "poor_conditioning",
    # v1.1
    "low_blood_sugar",
    "stimulant_effect",
    "medication_effect",
    "cold_exposure",
    "illness_or_fever",
}


def test_lists_the_contract_causes(client: TestClient) -> None:
    response = client.get("/v1/causes")
    assert response.status_code == 200
    body = response.json()
    assert body["content_version"] == 1
    assert body["locale"] == "en"
    assert {c["id"] for c in body["causes"]} == CONTRACT_CAUSES
    for cause in body["causes"]:
        assert cause["title"] and cause["summary"] and cause["explanation"]
        assert cause["typical_situations"] and cause["tip_ids"]


def test_single_cause_and_unknown_cause(client: TestClient) -> None:
    response = client.get("/v1/causes/dehydration")
    assert response.status_code == 200
    assert response.json()["cause"]["id"] == "dehydration"
    missing = client.get("/v1/causes/no_such_cause")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "no_such_cause" in missing.json()["detail"]


def test_tips_address_known_causes_and_single_tip(client: TestClient) -> None:
    tips = client.get("/v1/tips").json()["tips"]
    assert len(tips) >= 8
    assert all(set(t["addresses"]) <= CONTRACT_CAUSES for t in tips)
    one = client.get(f"/v1/tips/{tips[0]['id']}")
    assert one.status_code == 200 and one.json()["tip"] == tips[0]
    assert client.get("/v1/tips/nope").status_code == 404


def test_faqs(client: TestClient) -> None:
    faqs = client.get("/v1/faqs").json()["faqs"]
    assert len(faqs) >= 6
    assert all(f["question"].endswith("?") for f in faqs)


def test_etag_and_if_none_match(client: TestClient) -> None:
    first = client.get("/v1/causes")
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"].startswith("public")
    assert first.headers["vary"] == "Accept-Language"
    again = client.get("/v1/causes", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    other = client.get("/v1/causes", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    # Different resources never share a tag.
    assert client.get("/v1/tips").headers["etag"] != etag


def test_pinned_version_is_cacheable_forever(client: TestClient) -> None:
    response = client.get("/v1/causes", params={"content_version": 1})
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


def test_unknown_version_is_a_404_problem(client: TestClient) -> None:
    for path in ("/v1/causes", "/v1/tips", "/v1/faqs", "/v1/causes/dehydration"):
        response = client.get(path, params={"content_version": 999})
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    detail = client.get("/v1/content/versions/999")
    assert detail.status_code == 404


def test_unknown_locale_falls_back_to_english(client: TestClient) -> None:
    response = client.get("/v1/causes", params={"locale": "tlh"})
    assert response.status_code == 200
    assert response.json()["locale"] == "en"
    assert response.headers["content-language"] == "en"
    header = client.get("/v1/causes", headers={"Accept-Language": "fr-CA, fr;q=0.8"})
    assert header.headers["content-language"] == "en"


def test_bad_parameters_are_422_problems(client: TestClient) -> None:
    response = client.get("/v1/causes", params={"content_version": "abc"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == "query.content_version"
    assert client.get("/v1/causes", params={"content_version": 0}).status_code == 422


def test_versions_list_and_detail(client: TestClient) -> None:
    versions = client.get("/v1/content/versions").json()
    assert len(versions) == 1
    only = versions[0]
    assert only["version"] == 1 and only["status"] == "published" and only["is_current"]
    for key in ("notes", "created_at", "published_at"):
        assert key in only
    detail = client.get("/v1/content/versions/1")
    assert detail.status_code == 200
    bundle = detail.json()["bundle"]
    for key in ("causes", "tips", "faqs", "rules", "red_flags", "disclaimer"):
        assert bundle[key]
    assert detail.headers["etag"]


def test_an_if_none_match_beyond_its_declared_bound_is_a_422(client: TestClient) -> None:
    tag = client.get("/v1/causes").headers["ETag"]
    assert client.get("/v1/causes", headers={"If-None-Match": tag}).status_code == 304
    response = client.get("/v1/causes", headers={"If-None-Match": "0" * 1025})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == "header.if-none-match"
