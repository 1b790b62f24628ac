"""Request and response examples of the spec, kept in `examples.json` beside this module.

Swagger's "Try it out" pre-fills a body from them and Redoc shows them instead of a sample
of extremes. The answers are real ones of the default content
(`python -m tests.api.record_examples` records them again); tests validate every example
against its schema and post each assessment body to the app.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES_PATH = Path(__file__).with_name("examples.json")
JSON = "application/json"


@cache
def examples() -> dict[str, dict[str, Any]]:
    """By operation id: `request` and `response` (status -> name -> example object)."""
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return loaded


def attach_examples(spec: dict[str, Any]) -> dict[str, Any]:
    """Put each operation's examples on its request body and responses, in place."""
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            found = examples().get(operation.get("operationId", ""))
            if not found:
                continue
            if "request" in found:
                media = operation["requestBody"]["content"][JSON]
                media["examples"] = found["request"]
            for status, named in found.get("response", {}).items():
                content = operation["responses"][status].setdefault("content", {})
                media_type = next(iter(content), JSON)
                content.setdefault(media_type, {})["examples"] = named
    return spec
