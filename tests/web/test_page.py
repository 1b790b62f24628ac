"""The try-it page and its assets: served from the package, self-contained, outside the spec."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.web.router import ASSETS, ENGINE_MODULES, PAGE_CSP, STATIC_DIR


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
    for path in STATIC_DIR.rglob("*"):
        if path.is_dir():
            continue
        text = path.read_text("utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path.name
        assert "@import" not in text and "url(http" not in text, path.name
        assert not re.search(r"""(import|from)\s*\(?\s*["'](https?:)?//""", text), path.name


def test_the_evaluator_modules_are_served_to_the_page(client: TestClient) -> None:
    # The page imports the evaluator as ES modules from this origin (app.js, offline answers):
    # module scripts need a JavaScript media type and the policy's script-src 'self'.
    assert "script-src 'self'" in PAGE_CSP
    assert {"index.js", "engine/index.js", "engine/answer.js", "context/read.js"} <= set(
        ENGINE_MODULES
    )
    for name in ENGINE_MODULES:
        response = client.get(f"/static/engine/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    # their relative imports name files that are there too
    for name, path in ENGINE_MODULES.items():
        folder = name.rsplit("/", 1)[0] if "/" in name else ""
        for target in re.findall(r"""from\s+["'](\.{1,2}/[^"']+)["']""", path.read_text("utf-8")):
            resolved = (STATIC_DIR / "engine" / folder / target).resolve()
            assert resolved in ENGINE_MODULES.values(), (name, target)
    for missing in ("nope.js", "..%2Fapp.js", "..%2F..%2Frouter.py", "index.d.ts", "engine/"):
        response = client.get(f"/static/engine/{missing}")
        assert response.status_code == 404, missing


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
