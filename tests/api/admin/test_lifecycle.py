"""The whole editing flow: draft, patch, validate, publish, pin, diff, refuse, roll back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

ADMIN = "/v1/admin/content"
CONTEXT = {
    "activity": {"type": "cycling", "duration_min": 180, "intensity_rpe": 6},
    "environment": {"temperature_c": 34, "humidity_pct": 55},
    "hydration": {"fluid_intake_ml": 300},
}


def first_tip(client: TestClient) -> dict[str, Any]:
    tip: dict[str, Any] = client.get("/v1/tips").json()["tips"][0]
    return tip


def test_the_whole_flow(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    tip = first_tip(client)
    draft = new_draft(notes="sharper wording")
    version = draft["version"]
    assert draft["status"] == "draft" and draft["base_version"] == 1
    # A draft is not served, and not readable without a writer's key.
    assert client.get("/v1/causes", params={"content_version": version}).status_code == 404
    assert client.get(f"/v1/content/versions/{version}").status_code == 401
    assert client.get(f"/v1/content/versions/{version}", headers=admin_headers).status_code == 200

    patched = client.patch(
        f"{ADMIN}/versions/{version}/tips/{tip['id']}",
        json={"text": {"en": {"title": "A brand-new title"}}},
        headers={**admin_headers, "If-Match": draft["etag"]},
    )
    assert patched.status_code == 200, patched.text
    new_tip = next(t for t in patched.json()["bundle"]["tips"] if t["id"] == tip["id"])
    assert new_tip["text"]["en"] == {"title": "A brand-new title", "body": tip["body"]}

    report = client.post(f"{ADMIN}/versions/{version}/validate", headers=admin_headers).json()
    assert report["valid"] is True, report
    assert report["golden_cases_run"] >= 10

    published = client.post(
        f"{ADMIN}/versions/{version}/publish", json={"notes": "clearer"}, headers=admin_headers
    )
    assert published.status_code == 200, published.text
    assert published.json()["is_current"] is True

    assert client.get(f"/v1/tips/{tip['id']}").json()["tip"]["title"] == "A brand-new title"
    pinned = client.get(f"/v1/tips/{tip['id']}", params={"content_version": 1}).json()
    assert pinned["tip"]["title"] == tip["title"]
    assessed = client.post("/v1/assessments", json=CONTEXT).json()
    assert assessed["content_version"] == version
    old = client.post("/v1/assessments", params={"content_version": 1}, json=CONTEXT).json()
    assert old["content_version"] == 1

    diff = client.get(f"{ADMIN}/diff", params={"from": 1, "to": version}, headers=admin_headers)
    assert diff.status_code == 200
    changed = diff.json()["items"]["tips"]["changed"]
    assert changed == [
        {
            "id": tip["id"],
            "changes": [{"path": "text.en.title", "from": tip["title"], "to": "A brand-new title"}],
        }
    ]

    # A broken draft is refused and nothing changes.
    broken = new_draft()["version"]
    bad = client.patch(
        f"{ADMIN}/versions/{broken}/tips/{tip['id']}",
        json={"addresses": ["no_such_cause"]},
        headers=admin_headers,
    )
    assert bad.status_code == 200
    refused = client.post(f"{ADMIN}/versions/{broken}/publish", headers=admin_headers)
    assert refused.status_code == 422
    assert any("no_such_cause" in p["message"] for p in refused.json()["problems"])
    listing = client.get("/v1/content/versions", headers=admin_headers).json()
    versions = {v["version"]: v for v in listing}
    assert versions[broken]["status"] == "draft"
    assert versions[version]["is_current"] is True

    rolled = client.post(f"{ADMIN}/rollback", json={"to_version": 1}, headers=admin_headers)
    assert rolled.status_code == 200
    assert client.get("/v1/causes").json()["content_version"] == 1
    assert client.get(f"/v1/tips/{tip['id']}").json()["tip"]["title"] == tip["title"]

    audit = client.get("/v1/admin/audit", headers=admin_headers).json()
    actions = [e["action"] for e in audit["items"]]
    assert actions[:2] == ["rollback", "publish"]
    assert audit["items"][0]["actor"] == "admin (ADMIN_API_KEY)"


def test_published_versions_never_change(client: TestClient, admin_headers: dict[str, str]) -> None:
    tip = first_tip(client)
    patch = client.patch(
        f"{ADMIN}/versions/1/tips/{tip['id']}", json={"addresses": []}, headers=admin_headers
    )
    assert patch.status_code == 409
    bundle = client.get("/v1/content/versions/1").json()["bundle"]
    assert client.put(f"{ADMIN}/versions/1", json=bundle, headers=admin_headers).status_code == 409
    assert client.delete(f"{ADMIN}/versions/1", headers=admin_headers).status_code == 409
    publish = client.post(f"{ADMIN}/versions/1/publish", headers=admin_headers)
    assert publish.status_code == 409


def test_stale_if_match_is_412(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    draft = new_draft()
    tip = first_tip(client)
    url = f"{ADMIN}/versions/{draft['version']}/tips/{tip['id']}"
    first = client.patch(
        url,
        json={"text": {"en": {"body": "one"}}},
        headers={**admin_headers, "If-Match": draft["etag"]},
    )
    assert first.status_code == 200
    stale = client.patch(
        url,
        json={"text": {"en": {"body": "two"}}},
        headers={**admin_headers, "If-Match": draft["etag"]},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    fresh = client.patch(
        url,
        json={"text": {"en": {"body": "two"}}},
        headers={**admin_headers, "If-Match": first.headers["etag"]},
    )
    assert fresh.status_code == 200


def test_put_replaces_and_delete_removes_a_draft(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    draft = new_draft()
    bundle = draft["bundle"]
    bundle["disclaimer"]["en"] = "A shorter disclaimer for the test."
    put = client.put(f"{ADMIN}/versions/{draft['version']}", json=bundle, headers=admin_headers)
    assert put.status_code == 200
    assert put.json()["bundle"]["disclaimer"]["en"] == "A shorter disclaimer for the test."
    bad = client.put(
        f"{ADMIN}/versions/{draft['version']}", json={"causes": "nope"}, headers=admin_headers
    )
    assert bad.status_code == 422
    deleted = client.delete(f"{ADMIN}/versions/{draft['version']}", headers=admin_headers)
    assert deleted.status_code == 204
    assert (
        client.get(f"/v1/content/versions/{draft['version']}", headers=admin_headers).status_code
        == 404
    )


def test_patch_errors(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    version = new_draft()["version"]
    base = f"{ADMIN}/versions/{version}"
    assert client.patch(f"{base}/tips/nope", json={}, headers=admin_headers).status_code == 404
    assert client.patch(f"{base}/widgets/x", json={}, headers=admin_headers).status_code == 422
    renamed = client.patch(
        f"{base}/causes/dehydration", json={"id": "thirst"}, headers=admin_headers
    )
    assert renamed.status_code == 422
    wrong_shape = client.patch(
        f"{base}/rules/dehydration", json={"prior": "high"}, headers=admin_headers
    )
    assert wrong_shape.status_code == 422
    assert wrong_shape.json()["errors"]


def test_broken_golden_case_refuses_publish_unless_forced(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    version = new_draft()["version"]
    # Drown dehydration: the hot, dry ride must no longer rank it first.
    client.patch(
        f"{ADMIN}/versions/{version}/rules/dehydration",
        json={"prior": -9, "signals": []},
        headers=admin_headers,
    )
    client.patch(
        f"{ADMIN}/versions/{version}/rules/dehydration",
        json={
            "signals": [
                {
                    "id": "tiny",
                    # no golden case forbids this field as dehydration evidence: only ranking breaks
                    "when": [{"field": "environment.temperature_c", "op": "gt", "value": -50}],
                    "weight": 0.01,
                    "message": {"en": "A tiny nudge.", "es": "Un leve empujón."},
                }
            ]
        },
        headers=admin_headers,
    )
    refused = client.post(f"{ADMIN}/versions/{version}/publish", headers=admin_headers)
    assert refused.status_code == 422, refused.text
    failures = refused.json()["golden_failures"]
    assert failures and all(f["expected"] and f["got"] for f in failures)
    assert client.get("/v1/causes").json()["content_version"] == 1

    no_reason = client.post(
        f"{ADMIN}/versions/{version}/publish", json={"force": True}, headers=admin_headers
    )
    assert no_reason.status_code == 422
    forced = client.post(
        f"{ADMIN}/versions/{version}/publish",
        json={"force": True, "reason": "experiment approved by the content lead"},
        headers=admin_headers,
    )
    assert forced.status_code == 200, forced.text
    event = client.get("/v1/admin/audit", headers=admin_headers).json()["items"][0]
    assert event["action"] == "publish_forced"
    assert event["reason"] == "experiment approved by the content lead"
    assert event["details"]["golden_failures"]


def test_a_safety_failure_cannot_be_forced(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    version = new_draft()["version"]
    # Drinking advice for someone who drank far more than they sweated: a contraindication.
    patched = client.patch(
        f"{ADMIN}/versions/{version}/tips/hydrate_before_during_after",
        json={"hidden_when": []},
        headers=admin_headers,
    )
    assert patched.status_code == 200, patched.text
    forced = client.post(
        f"{ADMIN}/versions/{version}/publish",
        json={"force": True, "reason": "the content lead insists"},
        headers=admin_headers,
    )
    assert forced.status_code == 422, forced.text
    unsafe = [f for f in forced.json()["golden_failures"] if f["safety"]]
    assert unsafe
    assert any("hydrate_before_during_after" in reason for f in unsafe for reason in f["reasons"])
    assert client.get("/v1/causes").json()["content_version"] == 1


def test_rollback_errors(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert (
        client.post(f"{ADMIN}/rollback", json={"to_version": 1}, headers=admin_headers).status_code
        == 409
    )  # already current
    assert (
        client.post(f"{ADMIN}/rollback", json={"to_version": 42}, headers=admin_headers).status_code
        == 404
    )


def test_audit_is_paginated(
    client: TestClient, admin_headers: dict[str, str], new_draft: Callable[..., dict[str, Any]]
) -> None:
    for _ in range(2):
        version = new_draft()["version"]
        client.post(f"{ADMIN}/versions/{version}/publish", headers=admin_headers)
    page = client.get("/v1/admin/audit", params={"limit": 2}, headers=admin_headers).json()
    assert page["total"] >= 3 and len(page["items"]) == 2
    second = client.get(
        "/v1/admin/audit", params={"limit": 2, "offset": 2}, headers=admin_headers
    ).json()
    assert second["items"][0]["id"] != page["items"][0]["id"]
    stamps = [e["created_at"] for e in page["items"] + second["items"]]
    assert stamps == sorted(stamps, reverse=True)
