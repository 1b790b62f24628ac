"""Texts that must not contradict the triage or each other (the safety review's text fixes)."""

from __future__ import annotations

import re

import pytest

from tests.rules.helpers import assess, context, default_bundle, default_engine

LOCALES = ("en", "es")


def _flag_texts(level: str, locale: str) -> list[str]:
    return [flag.message[locale] for flag in default_bundle().red_flags if flag.level == level]


@pytest.mark.parametrize("locale", LOCALES)
def test_brown_urine_is_never_left_to_a_routine_visit(locale: str) -> None:
    """Brown (cola-coloured) urine is urgent everywhere, also where a consult text names it."""
    brown = {"en": r"\bbrown\b", "es": r"marr[oó]n"}[locale]
    at_once = {"en": r"at once|now|immediately", "es": r"inmediat|ahora|ya\b"}[locale]
    for text in _flag_texts("consult", locale):
        if re.search(brown, text, re.IGNORECASE):
            assert re.search(at_once, text, re.IGNORECASE), text


def test_the_self_care_headline_does_not_promise_an_hour() -> None:
    """Shaking that lasts into the next day is a consult, so self care may not promise less."""
    headline = default_bundle().triage_headlines["self_care"]
    assert "hour" not in headline["en"].replace("hours", "")
    assert "next day" in headline["en"] and "día siguiente" in headline["es"]


def test_no_evidence_message_says_the_opposite_of_its_signal() -> None:
    for rules in default_bundle().rules:
        for signal in rules.signals:
            english = signal.message["en"]
            assert not re.search(r"\brarely\b.*\blittle\b", english), (rules.cause, english)


def test_cramps_count_for_neuromuscular_fatigue_too() -> None:
    answer = assess(
        default_engine(),
        context(symptoms={"cramps": True}),
        locale="en",
        limit=8,
        assessment_id="t",
    )
    by_id = {cause.id: cause for cause in answer.causes}
    for cause_id in ("electrolyte_imbalance", "neuromuscular_fatigue"):
        assert any(item.field == "symptoms.cramps" for item in by_id[cause_id].evidence), cause_id
