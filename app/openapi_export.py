"""Write the committed OpenAPI documents: `python -m app.openapi_export [FOLDER]`.

openapi.json is the served spec; app.json and admin.json are its two halves for SDKs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from app.main import published_documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def rendered() -> dict[str, str]:
    """File name -> text of every committed spec."""
    return {name: render(document) for name, document in published_documents().items()}


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("openapi")
    for name, text in rendered().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
