"""The try-it page and its assets: served from the package, self-contained, outside the spec."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.web.router import ASSETS, STATIC_DIR


def test_page_is_served_with_a_same_origin_only_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert 'id="workout-form"' in response.text and 'id="triage"' in response.text


def test_assets_are_served_and_nothing_else(client: TestClient) -> None:
    for name, media_type in ASSETS.items():
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
    missing = client.get("/static/index.html")  # only the listed assets, never a path
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_page_loads_nothing_from_elsewhere() -> None:
    for path in STATIC_DIR.iterdir():
        text = path.read_text("utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path.name
        assert "@import" not in text and "url(http" not in text, path.name


def test_page_routes_stay_out_of_the_spec(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/static/{asset}" not in paths


def test_every_form_field_names_a_context_field(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    html = (STATIC_DIR / "index.html").read_text("utf-8")
    for name in set(re.findall(r'name="([a-z_]+)\.([a-z_]+)"', html)):
        section, field = name
        reference = spec["TgWorkoutContext"]["properties"][section]
        section_schema = spec[reference["$ref"].rsplit("/", 1)[-1]]
        assert field in section_schema["properties"], f"{section}.{field}"
    options = set(re.findall(r'name="symptoms.associated" value="([a-z_]+)"', html))
    assert options == set(spec["TgAssociatedSymptom"]["enum"]), "a checkbox for every red flag"
    activity = html[html.index('id="activity-type"') : html.index("</select>")]
    assert set(re.findall(r'value="([a-z_]+)"', activity)) == set(spec["TgActivityType"]["enum"])
