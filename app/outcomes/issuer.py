"""The hot path's part: sign each answer's id and count what it showed, in memory only."""

from __future__ import annotations

from typing import Any

from app.outcomes.counter import ShownCounter
from app.outcomes.token import Signer, item_order
from app.rules.bundle import Bundle

_Indexes = tuple[Bundle, dict[str, int], dict[str, int]]


class AnswerStamper:
    """Replaces an answer's `assessment_id` with a signed token naming what it showed."""

    __slots__ = ("_indexes", "counter", "signer")

    def __init__(self, signer: Signer, counter: ShownCounter) -> None:
        self.signer = signer
        self.counter = counter
        self._indexes: dict[int, _Indexes] = {}

    def _indexes_of(self, version: int, bundle: Bundle) -> _Indexes:
        known = self._indexes.get(version)
        if known is None or known[0] is not bundle:
            causes, tips = item_order(bundle)
            known = (
                bundle,
                {cause: n for n, cause in enumerate(causes)},
                {tip: n for n, tip in enumerate(tips)},
            )
            self._indexes[version] = known
        return known

    def stamp(self, version: int, bundle: Bundle, payload: dict[str, Any]) -> None:
        known = self._indexes.get(version)
        if known is None or known[0] is not bundle:
            known = self._indexes_of(version, bundle)
        _, cause_index, tip_index = known
        causes: bytes | tuple[int, ...]
        tips: bytes | tuple[int, ...]
        try:
            causes = bytes([cause_index[cause["id"]] for cause in payload["causes"]])
            tips = bytes([tip_index[tip["id"]] for tip in payload["tips"]])
            token = self.signer.issue_narrow(version, causes, tips)
        except ValueError:  # an index past 255 (or over 255 items): the token's wide format
            causes = tuple(cause_index[cause["id"]] for cause in payload["causes"])
            tips = tuple(tip_index[tip["id"]] for tip in payload["tips"])
            token = self.signer.issue(version, causes, tips)
        self.counter.add((version, causes, tips))
        payload["assessment_id"] = token
