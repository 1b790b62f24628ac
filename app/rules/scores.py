"""From a cause's logit to the score an answer shows."""

from __future__ import annotations

import math

SHOWN_SCALE = 1000.0  # answers show scores to 3 decimals


def sigmoid(logit: float) -> float:
    """A logit squashed into [0, 1]."""
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    exp = math.exp(logit)  # this side cannot overflow for very negative logits
    return exp / (1.0 + exp)


def shown_score(logit: float) -> float:
    """The score as an answer shows it (3 decimals)."""
    return round(sigmoid(logit) * SHOWN_SCALE) / SHOWN_SCALE
