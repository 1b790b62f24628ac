"""The triage of an answer: level, disposition, headline, reasons and suspected conditions.

Decided by the red flags that fired (the compiler orders them most severe first), never by
the ranking. Only a handful of flag combinations occur, so each combination's triage is
made once per locale and shared between answers, like the tips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from app.rules.bundle import Disposition, TriageLevel
from app.rules.compiler import (
    DISPOSITION_ORDER,
    LEVEL_OF,
    CompiledCondition,
    CompiledRedFlag,
    CompiledRuleset,
)
from app.rules.texts import LocaleTexts

MAX_TRIAGE_COMBINATIONS = 4096  # sets of fired flags whose triage is kept, then forgotten
UNKNOWN_SYMPTOM = "unknown_symptom"


class TriageDecision(NamedTuple):
    """An answer's triage as data (shared: never change it) and the conditions behind it."""

    triage: dict[str, Any]
    conditions: tuple[CompiledCondition, ...]  # suspected, most serious first


class TriageWriter:
    """Writes the triage of one content version in one locale."""

    __slots__ = ("_by_fired", "_conditions", "_items", "_no_flags", "_texts")

    def __init__(self, ruleset: CompiledRuleset, texts: LocaleTexts) -> None:
        self._texts = texts
        self._conditions = {condition.id: condition for condition in ruleset.conditions}
        self._items = texts.conditions
        self._by_fired: dict[tuple[str, ...], TriageDecision] = {}
        self._no_flags = TriageDecision(
            {
                "level": "self_care",
                "disposition": "self_care",
                "headline": texts.headlines.get("self_care", ""),
                "reasons": [],
                "conditions": [],
            },
            (),
        )

    def decide(self, fired: Sequence[CompiledRedFlag]) -> TriageDecision:
        """The triage of the flags that fired (most severe first)."""
        if not fired:
            return self._no_flags
        key = tuple(flag.id for flag in fired)
        decision = self._by_fired.get(key)
        if decision is None:
            decision = self._decide(fired)
            if len(self._by_fired) >= MAX_TRIAGE_COMBINATIONS:
                self._by_fired.clear()
            self._by_fired[key] = decision
        return decision

    def _decide(self, fired: Sequence[CompiledRedFlag]) -> TriageDecision:
        disposition = fired[0].disposition
        level = LEVEL_OF[disposition]
        # Only the answer's own level speaks: "see a clinician in a few days" never stands
        # beside "call now", as a reason or as a condition.
        same_level = [flag for flag in fired if LEVEL_OF[flag.disposition] == level]
        reasons = self._texts.red_flags
        conditions = self._suspected(same_level)
        triage = {
            "level": level,
            "disposition": disposition,
            "headline": self._headline(level, disposition, conditions),
            "reasons": [{"code": flag.id, "message": reasons[flag.id]} for flag in same_level],
            "conditions": [self._items[condition.id] for condition in conditions],
        }
        return TriageDecision(triage, conditions)

    def _suspected(self, fired: Sequence[CompiledRedFlag]) -> tuple[CompiledCondition, ...]:
        """The conditions of the flags, most serious first (the flag's disposition, then the
        bundle's order); a generic warning sign only when nothing more specific is."""
        severity: dict[str, int] = {}
        for flag in fired:
            if flag.condition is not None and flag.condition in self._conditions:
                rank = DISPOSITION_ORDER[flag.disposition]
                severity[flag.condition] = max(severity.get(flag.condition, 0), rank)
        order = list(self._conditions)
        suspected = sorted(severity, key=lambda c: (-severity[c], order.index(c)))
        found = [self._conditions[condition_id] for condition_id in suspected]
        specific = [condition for condition in found if not condition.fallback]
        return tuple(specific or found)

    def _headline(
        self,
        level: TriageLevel,
        disposition: Disposition,
        conditions: Sequence[CompiledCondition],
    ) -> str:
        """What to do now for the first condition, else the level's headline."""
        texts = self._texts
        template = texts.disposition_headlines.get(disposition) if conditions else None
        if template is None:
            return texts.headlines.get(level, "")
        first = self._items[conditions[0].id]
        title: str = first["title"]
        steps: list[str] = first["first_aid"]
        # Plain replacement, not str.format: a stray brace in content must not break answers.
        return template.replace("{title}", title).replace("{first_step}", steps[0] if steps else "")

    def with_unknown_words(self, decision: TriageDecision, words: Sequence[str]) -> TriageDecision:
        """A triage that names the symptom words it could not read: never a reassurance.

        When nothing else sent the person to care, the answer asks them to have it checked and
        names the warning signs to look for; otherwise the triage already says more.
        """
        template = self._texts.unknown_symptom_headline
        if decision.triage["level"] != "self_care" or not template:
            return decision
        named = ", ".join(f"'{word}'" for word in words if word) or "?"
        headline = template.replace("{words}", named)
        triage = {
            "level": "consult",
            "disposition": "see_clinician_soon",
            "headline": headline,
            "reasons": [{"code": UNKNOWN_SYMPTOM, "message": headline}],
            "conditions": [],
        }
        return TriageDecision(triage, ())
