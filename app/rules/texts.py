"""Every text an answer can contain, resolved per locale once per content version.

Missing translations fall back per item to the bundle's default locale here, once, rather
than on every request; the answer lists the items of it that fell back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.rules.bundle import Bundle, Disposition, TipText, TriageLevel
from app.rules.compiler import CompiledTip

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LocaleTexts:
    """Every text an answer can contain, in one locale, keyed the way the engine looks it up."""

    causes: dict[str, dict[str, str]]  # cause id -> {id, title, summary, explanation}
    signals: dict[tuple[str, str], str]  # (cause id, signal id) -> evidence message
    red_flags: dict[str, str]
    tips: dict[str, dict[str, Any]]  # tip id -> {id, title, body, addresses}
    questions: dict[str, str]  # field -> question
    headlines: dict[TriageLevel, str]
    disclaimer: str
    fallbacks: frozenset[str] = frozenset()  # `kind:id` of the texts given in the default locale
    counterfactuals: Mapping[str, str] = field(default_factory=dict)  # key -> text
    # condition id -> {id, title, summary, first_aid, avoid}, as the triage shows it
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    disposition_headlines: dict[Disposition, str] = field(default_factory=dict)
    unknown_symptom_headline: str | None = None


def _pick(texts: Mapping[str, T], locale: str, default_locale: str) -> T | None:
    """The text in `locale`, else in the default locale, else any (content that validates
    always has the default locale; the last resort keeps a draft previewable)."""
    found = texts.get(locale) or texts.get(default_locale)
    return found if found is not None else next(iter(texts.values()), None)


def render_texts(bundle: Bundle, compiled_tips: Sequence[CompiledTip], locale: str) -> LocaleTexts:
    """Resolve every text of the bundle for one locale, with per-item fallback."""
    default = bundle.default_locale
    tip_texts: dict[str, Mapping[str, TipText]] = {}
    for item in bundle.tips:
        tip_texts.setdefault(item.id, item.text)

    fallbacks: set[str] = set()

    def pick(texts: Mapping[str, str], key: str) -> str:
        if locale not in texts:
            fallbacks.add(key)
        return _pick(texts, locale, default) or ""

    causes: dict[str, dict[str, str]] = {}
    for cause in bundle.causes:
        if locale not in cause.text:
            fallbacks.add(f"causes:{cause.id}")
        text = _pick(cause.text, locale, default)
        causes[cause.id] = {
            "id": cause.id,
            "title": text.title if text else "",
            "summary": text.summary if text else "",
            "explanation": text.explanation if text else "",
        }
    tips: dict[str, dict[str, Any]] = {}
    for tip in compiled_tips:
        if locale not in tip_texts[tip.id]:
            fallbacks.add(f"tips:{tip.id}")
        tip_text = _pick(tip_texts[tip.id], locale, default)
        tips[tip.id] = {
            "id": tip.id,
            "title": tip_text.title if tip_text else "",
            "body": tip_text.body if tip_text else "",
            "addresses": list(tip.addresses),
        }
    signals: dict[tuple[str, str], str] = {}
    for rules in bundle.rules:  # like the compiler, the first rules of a cause win
        for signal in rules.signals:
            if (rules.cause, signal.id) not in signals:
                key = f"signals:{rules.cause}.{signal.id}"
                signals[rules.cause, signal.id] = pick(signal.message, key)
    red_flags: dict[str, str] = {}
    for flag in bundle.red_flags:
        red_flags[flag.id] = pick(flag.message, f"red_flags:{flag.id}")
    questions: dict[str, str] = {}
    for question in bundle.questions:
        questions[question.field] = pick(question.text, f"questions:{question.field}")
    conditions: dict[str, dict[str, Any]] = {}
    for condition in bundle.conditions:
        if locale not in condition.text:
            fallbacks.add(f"conditions:{condition.id}")
        condition_text = _pick(condition.text, locale, default)
        conditions.setdefault(
            condition.id,
            {
                "id": condition.id,
                "title": condition_text.title if condition_text else "",
                "summary": condition_text.summary if condition_text else "",
                "first_aid": list(condition_text.first_aid) if condition_text else [],
                "avoid": list(condition_text.avoid) if condition_text else [],
            },
        )
    unknown = bundle.unknown_symptom_headline
    unknown_headline = pick(unknown, "unknown_symptom_headline") if unknown else None
    disposition_headlines = {
        disposition: pick(text, f"disposition_headlines:{disposition}")
        for disposition, text in bundle.disposition_headlines.items()
    }
    headlines = {
        level: pick(text, f"triage_headlines:{level}")
        for level, text in bundle.triage_headlines.items()
    }
    disclaimer = pick(bundle.disclaimer, "disclaimer")
    return LocaleTexts(
        causes=causes,
        signals=signals,
        red_flags=red_flags,
        tips=tips,
        questions=questions,
        headlines=headlines,
        disclaimer=disclaimer,
        fallbacks=frozenset(fallbacks),
        counterfactuals={
            key: _pick(text, locale, default) or ""
            for key, text in bundle.counterfactual_texts.items()
        },
        conditions=conditions,
        disposition_headlines=disposition_headlines,
        unknown_symptom_headline=unknown_headline,
    )
