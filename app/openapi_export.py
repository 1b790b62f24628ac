"""Write the served OpenAPI document to a file: `python -m app.openapi_export PATH`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.main import openapi_document


def render() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("openapi/openapi.json")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
