"""Shown counts, kept in memory per process and flushed to the database in batches.

The hot path adds one to one dict entry per answer, keyed by (version, cause indexes, tip
indexes) as the answer's token packs them; a flush expands the keys into per-item counts.
Everything runs on the event loop's thread (the assessment routes are async), so `take`
swaps the dict without a lock; counts a failed flush gives back are added to what came since.

A process killed without its shutdown (SIGKILL, OOM) loses what it counted since its last
flush: at most one flush interval of shown counts. Feedback itself is never lost this way.
"""

from __future__ import annotations

ShownKey = tuple[int, bytes | tuple[int, ...], bytes | tuple[int, ...]]


class ShownCounter:
    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[ShownKey, int] = {}

    def add(self, key: ShownKey) -> None:
        counts = self.counts
        counts[key] = counts.get(key, 0) + 1

    def take(self) -> dict[ShownKey, int]:
        """Everything counted so far; the counter starts again from empty."""
        taken, self.counts = self.counts, {}
        return taken

    def give_back(self, taken: dict[ShownKey, int]) -> None:
        """Return counts a flush could not write, so the next flush writes them."""
        counts = self.counts
        for key, n in taken.items():
            counts[key] = counts.get(key, 0) + n


def expand(
    taken: dict[ShownKey, int],
) -> dict[int, tuple[dict[int, int], dict[int, int]]]:
    """Per version: shown counts per cause index and per tip index."""
    out: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
    for (version, causes, tips), n in taken.items():
        per_cause, per_tip = out.setdefault(version, ({}, {}))
        for index in causes:
            per_cause[index] = per_cause.get(index, 0) + n
        for index in tips:
            per_tip[index] = per_tip.get(index, 0) + n
    return out
