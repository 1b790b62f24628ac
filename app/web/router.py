"""Serve the try-it page at `/` and its static assets, all from the package (no CDN).

`static/engine/` is the TypeScript evaluator (clients/engine) as built ES modules, copied by
`make web-engine` and committed, so the page can answer offline and `make run` needs no node.

The routes stay out of the OpenAPI document: they are for people evaluating the API in a
browser, not part of the contract that SDKs are generated from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.core.errors import NotFound

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"

# Only these files are served; a name from the URL never becomes a path on its own.
ASSETS: Final[dict[str, str]] = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}

# The evaluator's modules by their path under static/engine/ ("engine/answer.js"): the files
# present when the app starts, so a name from the URL is only ever a key of this table.
ENGINE_DIR: Final = STATIC_DIR / "engine"
ENGINE_MODULES: Final[dict[str, Path]] = {
    path.relative_to(ENGINE_DIR).as_posix(): path for path in sorted(ENGINE_DIR.rglob("*.js"))
}

# The page may load and call nothing but this origin: it works offline and cannot leak.
# script-src 'self' covers the evaluator's ES modules, which app.js imports from /static/engine/.
PAGE_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def try_it_page() -> FileResponse:
    """The form that posts a workout to /v1/assessments and shows the answer."""
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
    )


@router.get("/static/{asset}")
def static_asset(asset: str) -> FileResponse:
    """The page's script and stylesheet (revalidated, so a deploy shows up at once)."""
    media_type = ASSETS.get(asset)
    if media_type is None:
        raise NotFound(f"There is no static file named {asset!r}.")
    return FileResponse(
        STATIC_DIR / asset, media_type=media_type, headers={"Cache-Control": "no-cache"}
    )


@router.get("/static/engine/{module:path}")
def engine_module(module: str) -> FileResponse:
    """The evaluator's ES modules, which the page imports to answer when the API is out of
    reach (module scripts need a JavaScript media type)."""
    path = ENGINE_MODULES.get(module)
    if path is None:
        raise NotFound(f"There is no evaluator module named {module!r}.")
    return FileResponse(
        path, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )
