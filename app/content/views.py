"""Read models of one published version, rendered once per locale when the version loads.

Published versions never change, so their answers (and ETags) are computed once and
then only looked up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TypeVar

from app.content.schemas import CausePublic, FaqPublic, TipPublic
from app.rules.bundle import Bundle

T = TypeVar("T")


def pick_text(texts: dict[str, T], locale: str, default_locale: str) -> tuple[T, bool]:
    """The text in `locale`, else in the default locale; the flag says it fell back."""
    text = texts.get(locale)
    if text is not None:
        return text, False
    if default_locale in texts:
        return texts[default_locale], True
    return next(iter(texts.values())), True


def make_etag(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f'"{digest[:32]}"'


@dataclass(frozen=True, slots=True)
class LocaleView:
    """Everything the read API answers for one version in one locale."""

    locale: str
    causes: list[CausePublic]
    causes_by_id: dict[str, CausePublic]
    tips: list[TipPublic]
    tips_by_id: dict[str, TipPublic]
    faqs: list[FaqPublic]
    fallback_ids: frozenset[str]
    etag_seed: str


def render_locale(bundle: Bundle, checksum: str, locale: str) -> LocaleView:
    """Pick every item's text in `locale` (falling back per item) and build the read models."""
    default = bundle.default_locale
    fallbacks: set[str] = set()
    tips_for_cause: dict[str, list[str]] = {c.id: [] for c in bundle.causes}
    for tip in bundle.tips:
        for cause_id in tip.addresses:
            tips_for_cause.setdefault(cause_id, []).append(tip.id)

    causes = []
    for cause in bundle.causes:
        ctext, fell = pick_text(cause.text, locale, default)
        if fell:
            fallbacks.add(cause.id)
        causes.append(
            CausePublic(
                id=cause.id,
                title=ctext.title,
                summary=ctext.summary,
                explanation=ctext.explanation,
                typical_situations=list(ctext.typical_situations),
                tip_ids=tips_for_cause.get(cause.id, []),
            )
        )
    tips = []
    for tip in bundle.tips:
        ttext, fell = pick_text(tip.text, locale, default)
        if fell:
            fallbacks.add(tip.id)
        tips.append(
            TipPublic(id=tip.id, title=ttext.title, body=ttext.body, addresses=list(tip.addresses))
        )
    faqs = []
    for faq in bundle.faqs:
        ftext, fell = pick_text(faq.text, locale, default)
        if fell:
            fallbacks.add(faq.id)
        faqs.append(FaqPublic(id=faq.id, question=ftext.question, answer=ftext.answer))
    return LocaleView(
        locale=locale,
        causes=causes,
        causes_by_id={c.id: c for c in causes},
        tips=tips,
        tips_by_id={t.id: t for t in tips},
        faqs=faqs,
        fallback_ids=frozenset(fallbacks),
        etag_seed=f"{checksum}:{locale}",
    )
