"""The hot path's part: sign each answer's id and count what it showed, in memory only."""

from __future__ import annotations

from typing import Any

from app.content.cache import LoadedVersion
from app.outcomes.counter import ShownCounter
from app.outcomes.token import BoundSigner, Signer, content_digest, item_order

_Indexes = tuple[LoadedVersion, BoundSigner, dict[str, int], dict[str, int]]


class AnswerStamper:
    """Replaces an answer's `assessment_id` with a signed token naming what it showed, bound
    to the content of the version that answered."""

    __slots__ = ("_indexes", "_signer", "counter")

    def __init__(self, signer: Signer, counter: ShownCounter) -> None:
        self._signer = signer
        self.counter = counter
        self._indexes: dict[int, _Indexes] = {}

    @property
    def signer(self) -> Signer:
        return self._signer

    @signer.setter
    def signer(self, signer: Signer) -> None:
        self._signer = signer
        self._indexes = {}  # each version's bound signer was made with the old key

    def _indexes_of(self, loaded: LoadedVersion) -> _Indexes:
        # Once per version load: the item order and the MAC state fed with the content digest.
        causes, tips = item_order(loaded.bundle)
        known = (
            loaded,
            self._signer.bound(content_digest(loaded.checksum)),
            {cause: n for n, cause in enumerate(causes)},
            {tip: n for n, tip in enumerate(tips)},
        )
        self._indexes[loaded.version] = known
        return known

    def stamp(self, loaded: LoadedVersion, payload: dict[str, Any]) -> None:
        version = loaded.version
        known = self._indexes.get(version)
        if known is None or known[0] is not loaded:
            known = self._indexes_of(loaded)
        _, signer, cause_index, tip_index = known
        causes: bytes | tuple[int, ...]
        tips: bytes | tuple[int, ...]
        try:
            causes = bytes([cause_index[cause["id"]] for cause in payload["causes"]])
            tips = bytes([tip_index[tip["id"]] for tip in payload["tips"]])
            token = signer.issue_narrow(version, causes, tips)
        except ValueError:  # an index past 255 (or over 255 items): the token's wide format
            causes = tuple(cause_index[cause["id"]] for cause in payload["causes"])
            tips = tuple(tip_index[tip["id"]] for tip in payload["tips"])
            token = signer.issue(version, causes, tips)
        self.counter.add((version, causes, tips))
        payload["assessment_id"] = token
