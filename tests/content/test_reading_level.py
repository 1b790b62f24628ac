"""Summaries and triage headlines read at a lay level: Flesch-Kincaid grade 8 or below in
English, Fernández Huerta 60 or more ("normal" or easier) in Spanish. Explanations may be
longer and harder; these are the lines an app shows first."""

from __future__ import annotations

import re

import pytest

from tests.rules.helpers import default_bundle

MAX_GRADE_EN = 8.0
MIN_EASE_ES = 60.0
_WORD = re.compile(r"[^\W\d_][^\W\d_'-]*")
_SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")


def _syllables_en(word: str) -> int:
    word = re.sub(r"[^a-z]", "", word.lower())
    count = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def _syllables_es(word: str) -> int:
    return max(len(re.findall(r"[aeiouáéíóúü]+", word.lower())), 1)


def _counts(text: str, syllables: object) -> tuple[int, int, int]:
    words = _WORD.findall(text)
    sentences = max(len(_SENTENCE_END.findall(text)), 1)
    assert callable(syllables)
    return len(words), sentences, sum(syllables(word) for word in words)


def flesch_kincaid_grade(text: str) -> float:
    words, sentences, syllables = _counts(text, _syllables_en)
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def fernandez_huerta(text: str) -> float:
    words, sentences, syllables = _counts(text, _syllables_es)
    return 206.84 - 60 * syllables / words - 1.02 * words / sentences


def _first_lines() -> list[tuple[str, str, str]]:
    bundle = default_bundle()
    lines = [(f"causes:{c.id}", loc, t.summary) for c in bundle.causes for loc, t in c.text.items()]
    lines += [
        (f"headline:{level}", loc, text)
        for level, texts in bundle.triage_headlines.items()
        for loc, text in texts.items()
    ]
    return lines


LINES = _first_lines()


@pytest.mark.parametrize(
    ("key", "locale", "text"), LINES, ids=[f"{key}-{loc}" for key, loc, _ in LINES]
)
def test_first_lines_read_at_a_lay_level(key: str, locale: str, text: str) -> None:
    if locale == "en":
        assert flesch_kincaid_grade(text) <= MAX_GRADE_EN, text
    elif locale == "es":
        assert fernandez_huerta(text) >= MIN_EASE_ES, text


def test_the_measures_tell_easy_from_hard() -> None:
    assert flesch_kincaid_grade("The dog ran. It was fun.") < 3
    hard = (
        "Electrolyte homeostasis deteriorates progressively during prolonged thermoregulatory "
        "exertion, compromising neuromuscular excitability considerably."
    )
    assert flesch_kincaid_grade(hard) > 16
    assert fernandez_huerta("El perro corre. Es feliz.") > 90
    assert fernandez_huerta("La homeostasis electrolítica se deteriora progresivamente.") < 40
