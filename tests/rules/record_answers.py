"""Record the answers `test_recorded_answers` holds the engine to.

Run it only for a deliberate change of the content or of the answer's shape, and read the
diff of what it changes: `python -m tests.rules.record_answers` (needs ../shared beside the
repository for the public vignettes).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from app.api.assessments import unknown_words
from app.workout.lenient import as_warnings, read_leniently
from bench.contexts import varied
from bench.engine_bench import FULL
from tests.rules.helpers import default_bundle, default_engine

RECORDED = Path(__file__).with_name("recorded_answers.json.gz")
VIGNETTES = Path(__file__).resolve().parents[3] / "shared" / "vignettes"
CASES = (("en", 8), ("es", 5))


def answer_of(context: dict[str, Any], locale: str, limit: int) -> dict[str, Any]:
    """The answer as JSON data, without its (random) `assessment_id`."""
    engine = default_engine()
    # as the service reads a body that is not strictly valid
    read = read_leniently(context, engine.synonyms(locale))
    assert read.context is not None, read.fatal
    payload = engine.assess_payload(
        read.context,
        locale=locale,
        limit=limit,
        assessment_id="",
        unknown_words=unknown_words(read.issues),
    )
    payload["warnings"] = as_warnings(read.issues, locale) + payload["warnings"]
    answer: dict[str, Any] = json.loads(json.dumps(payload))
    del answer["assessment_id"]
    return answer


def contexts() -> dict[str, dict[str, Any]]:
    named = {f"bench-{i}": c for i, c in enumerate(varied(64))}
    named["bench-full"] = FULL
    named["bench-minimal"] = {"activity": {"type": "running", "duration_min": 30}}
    for name in ("public.json", "public-v1.1.json", "public-v1.2.json"):
        for case in json.loads((VIGNETTES / name).read_text())["cases"]:
            named[f"vignette-{case['id']}"] = case["context"]
    for case in default_bundle().golden_cases:
        named[f"golden-{case.id}"] = case.context
    return named


def main() -> None:
    answers = []
    for name, context in contexts().items():
        if read_leniently(context).context is None:
            continue  # refused bodies have no answer to keep
        for locale, limit in CASES:
            answer = answer_of(context, locale, limit)
            answers.append(
                {
                    "name": name,
                    "locale": locale,
                    "limit": limit,
                    "context": context,
                    "answer": answer,
                }
            )
    with gzip.open(RECORDED, "wt", encoding="utf-8") as out:
        json.dump({"answers": answers}, out, ensure_ascii=False, sort_keys=True)
    print(f"recorded {len(answers)} answers in {RECORDED}")


if __name__ == "__main__":
    main()
