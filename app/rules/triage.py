"""Triage: how soon to see a clinician, decided from red flags before any ranking.

Red flags are independent of the cause ranking on purpose: a missed urgent sign is the worst
failure this service can have, so no score, weight or limit can hide one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.rules.bundle import TriageLevel
from app.rules.compiler import LEVEL_ORDER, CompiledRedFlag


def fired_red_flags(
    red_flags: Sequence[CompiledRedFlag], values: Mapping[str, Any]
) -> tuple[CompiledRedFlag, ...]:
    """The red flags whose conditions all hold, most severe first (the compiler's order)."""
    return tuple(flag for flag in red_flags if flag.activation(values))


def triage_level(fired: Sequence[CompiledRedFlag]) -> TriageLevel:
    """The most severe level of the fired flags; `self_care` when none fired."""
    return max((flag.level for flag in fired), key=LEVEL_ORDER.__getitem__, default="self_care")
