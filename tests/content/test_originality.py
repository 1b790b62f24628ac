"""Originality check: no committed text may copy 8 consecutive words from the seed article.

The seed article (shared/seed/legs-shake-after-workout.txt, outside the repository) is the
source of the facts behind the default content. Its sentences must never be reused: this
test fails for any run of 8 consecutive words that a repository text file shares with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED_RELATIVE = Path("shared") / "seed" / "legs-shake-after-workout.txt"
SEED_CANDIDATES = (
    Path(__file__).resolve().parents[3] / SEED_RELATIVE,
    REPO.parent / SEED_RELATIVE,
)
RUN_LENGTH = 8
SCANNED_DIRS = ("content", "app", "docs")
SCANNED_ROOT_FILES = ("README.md",)
SUFFIXES = {".yaml", ".yml", ".json", ".py", ".md", ".html", ".txt"}
SKIPPED_DIR_NAMES = {"__pycache__", "node_modules", ".venv", ".git"}
TOKEN = re.compile(r"[a-z0-9']+")


def tokens(text: str) -> list[str]:
    """Lowercase words, with the curly apostrophe read as a straight one."""
    return TOKEN.findall(text.lower().replace("\u2019", "'"))


def runs(words: list[str]) -> Iterator[tuple[int, tuple[str, ...]]]:
    for start in range(len(words) - RUN_LENGTH + 1):
        yield start, tuple(words[start : start + RUN_LENGTH])


def find_seed() -> Path | None:
    return next((path for path in SEED_CANDIDATES if path.is_file()), None)


def scanned_files() -> Iterator[Path]:
    for name in SCANNED_ROOT_FILES:
        path = REPO / name
        if path.is_file():
            yield path
    for name in SCANNED_DIRS:
        root = REPO / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative_parts = path.relative_to(REPO).parts
            if any(part in SKIPPED_DIR_NAMES or part.startswith(".") for part in relative_parts):
                continue
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                yield path


def test_no_text_copies_eight_words_from_the_seed() -> None:
    seed = find_seed()
    if seed is None:
        searched = ", ".join(str(path) for path in SEED_CANDIDATES)
        pytest.skip(f"seed article not found (looked at {searched}); originality not checked")
    seed_runs = {run for _, run in runs(tokens(seed.read_text(encoding="utf-8")))}

    copies: list[str] = []
    checked = 0
    for path in scanned_files():
        checked += 1
        words = tokens(path.read_text(encoding="utf-8", errors="replace"))
        copied_starts = [start for start, run in runs(words) if run in seed_runs]
        # Overlapping runs of one copied passage are reported once, as the whole passage.
        passage_start: int | None = None
        previous: int | None = None
        for start in [*copied_starts, None]:
            if start is not None and previous is not None and start == previous + 1:
                previous = start
                continue
            if passage_start is not None and previous is not None:
                passage = " ".join(words[passage_start : previous + RUN_LENGTH])
                copies.append(f"{path.relative_to(REPO)}: {passage!r}")
            passage_start = previous = start
    assert checked > 0, "no files were scanned; is the repository layout as expected?"
    assert not copies, (
        f"{len(copies)} passage(s) copy {RUN_LENGTH} or more consecutive words from {seed}:\n"
        + "\n".join(copies)
    )
