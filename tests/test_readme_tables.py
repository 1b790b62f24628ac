"""The README's table of the request names every section and field of a workout context."""

from __future__ import annotations

import json
import re
from pathlib import Path


def test_the_request_table_names_every_section_and_field(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    start = readme.index("### The request")
    table = readme[start : readme.index("###", start + 1)]
    rows = {
        match[1]: match[2] for match in re.finditer(r"^\| `(\w+)` \|[^|]*\|(.*)\|$", table, re.M)
    }
    spec = json.loads((repo_root / "openapi" / "app.json").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    sections = schemas["TgWorkoutContext"]["properties"]
    assert set(rows) == set(sections)
    for section, schema in sections.items():
        ref = schema.get("$ref") or next(p["$ref"] for p in schema["anyOf"] if "$ref" in p)
        fields = schemas[ref.rsplit("/", 1)[-1]]["properties"]
        missing = [f for f in fields if f"`{f}`" not in rows[section]]
        # `elevation_gain_ft` and `elevation_loss_ft` are written `(or _ft)` beside the metres.
        missing = [f for f in missing if not (f.endswith("_ft") and "`_ft`" in rows[section])]
        assert not missing, f"{section}: {missing}"
