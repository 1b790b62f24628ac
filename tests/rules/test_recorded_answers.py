"""Answers recorded from the engine before a refactor: every one must come out the same.

The file holds the bench contexts, the public vignettes and the golden cases of the default
content with their answers (without `assessment_id`), in English (8 causes) and Spanish (5).
A deliberate change to the content or the answer's shape re-records it:
`python -m tests.rules.record_answers`.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from typing import Any

import pytest

from tests.rules.record_answers import RECORDED, answer_of


@cache
def recorded() -> list[dict[str, Any]]:
    with gzip.open(RECORDED, "rt", encoding="utf-8") as source:
        answers: list[dict[str, Any]] = json.load(source)["answers"]
    return answers


@pytest.mark.parametrize(
    "entry", recorded(), ids=[f"{e['name']}-{e['locale']}-{e['limit']}" for e in recorded()]
)
def test_answer_is_as_recorded(entry: dict[str, Any]) -> None:
    assert answer_of(entry["context"], entry["locale"], entry["limit"]) == entry["answer"]
