"""The assessment engine of one content version: compiled rules plus texts rendered per locale.

Built once when a version is loaded, so that a request only evaluates closures and reads
ready-made strings from dicts. Missing translations fall back per item to the bundle's
default locale here, once, rather than on every request; the answer lists the items of it
that fell back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.assessment.codegen import EvidenceWriter, generate_evidence_writer
from app.assessment.compiler import CompiledRuleset, CompiledTip, compile_ruleset
from app.assessment.context import WorkoutContext
from app.assessment.derived import FieldValue
from app.assessment.engine import (
    Evaluation,
    ScoredCause,
    confidence,
    evaluate,
    follow_up_fields,
    rank_tips,
)
from app.assessment.plausibility import PlausibilityCheck, find_implausible, warning_message
from app.assessment.schemas import AssessmentResponse, EvidenceValue
from app.content.bundle import Bundle, TipText, TriageLevel

MAX_LIMIT = 50
MAX_TIPS = 5
MAX_FOLLOW_UPS = 3
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
    return LocaleTexts(
        causes=causes,
        signals=signals,
        red_flags=red_flags,
        tips=tips,
        questions=questions,
        headlines={
            level: pick(text, f"triage_headlines:{level}")
            for level, text in bundle.triage_headlines.items()
        },
        disclaimer=pick(bundle.disclaimer, "disclaimer"),
        fallbacks=frozenset(fallbacks),
    )


def _display(value: FieldValue | None) -> EvidenceValue:
    """Evidence values as a client would show them: 31 rather than 31.0, 2 decimals at most."""
    if isinstance(value, float):  # the common case first: this runs for every evidence item
        if value.is_integer():
            return int(value)
        rounded = round(value * 100.0) / 100.0  # a third of the cost of round(value, 2)
        return int(rounded) if rounded.is_integer() else rounded
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return str(value)  # an enum member becomes its plain value
    return [str(item) for item in value]


class AssessmentEngine:
    """Answers assessments for one content version; build it once per version."""

    def __init__(self, bundle: Bundle, version: int) -> None:
        self.bundle = bundle
        self.version = version
        self.ruleset: CompiledRuleset = compile_ruleset(bundle)
        locales = dict.fromkeys([bundle.default_locale, *bundle.locales, *bundle.partial_locales])
        self.texts: dict[str, LocaleTexts] = {
            loc: render_texts(bundle, self.ruleset.tips, loc) for loc in locales
        }
        # Per locale and cause, a generated function that writes the cause's evidence items
        # with the texts built in (see `generate_evidence_writer`).
        self.evidence_writers: dict[str, dict[str, EvidenceWriter]] = {
            loc: {
                cause.id: generate_evidence_writer(
                    [
                        (
                            signal.weight,
                            signal.conditions,
                            signal.evidence_field,
                            texts.signals[cause.id, signal.id],
                        )
                        for signal in cause.signals
                    ]
                )
                for cause in self.ruleset.causes
            }
            for loc, texts in self.texts.items()
        }

    def evaluate(self, context: WorkoutContext) -> Evaluation:
        """Triage and ranking without texts (golden cases and benchmarks need no more)."""
        return evaluate(self.ruleset, context)

    def assess(
        self, context: WorkoutContext, *, locale: str, limit: int = 5, assessment_id: str
    ) -> AssessmentResponse:
        """The full answer in `locale` as a validated model (for callers that want objects)."""
        return AssessmentResponse.model_validate(
            self.assess_payload(context, locale=locale, limit=limit, assessment_id=assessment_id)
        )

    def assess_payload(
        self, context: WorkoutContext, *, locale: str, limit: int = 5, assessment_id: str
    ) -> dict[str, Any]:
        """The full answer in `locale` (the default locale when the bundle lacks it), as plain
        JSON-ready data in exactly the shape of `AssessmentResponse`.

        The HTTP route serialises this straight to bytes: validating an answer the engine
        built itself would only repeat work on the hottest path (tests check the shape).
        `limit` (1-50) caps the causes returned; tips and questions still consider the top three.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        if locale not in self.texts:
            locale = self.bundle.default_locale
        texts = self.texts[locale]
        writers = self.evidence_writers[locale]
        evaluation = evaluate(self.ruleset, context)
        values = evaluation.values
        shown: dict[str, EvidenceValue] = {}

        def show(field: str) -> EvidenceValue:
            """A field's value as answers show it, worked out once per answer."""
            if field in shown:
                return shown[field]
            value = shown[field] = _display(values.get(field))
            return value

        payload: dict[str, Any] = {
            "assessment_id": assessment_id,
            "content_version": self.version,
            "locale": locale,
            "triage": {
                "level": evaluation.level,
                "headline": texts.headlines.get(evaluation.level, ""),
                "reasons": [
                    {"code": flag.id, "message": texts.red_flags[flag.id]}
                    for flag in evaluation.red_flags
                ],
            },
            "causes": [
                _cause(rank, item, values, texts, writers[item.cause.id], show)
                for rank, item in enumerate(evaluation.ranked[:limit], start=1)
            ],
            "tips": [
                {**texts.tips[tip.id], "rank": rank}
                for rank, (tip, _) in enumerate(
                    rank_tips(self.ruleset, evaluation.ranked, MAX_TIPS), start=1
                )
            ],
            "follow_up_questions": [
                {"field": field, "question": texts.questions[field]}
                for field in follow_up_fields(
                    self.ruleset.question_fields, evaluation, MAX_FOLLOW_UPS
                )
            ],
            "disclaimer": texts.disclaimer,
            "normalized_context": evaluation.given,
            "warnings": [],
            "fallback_items": [],
        }
        implausible = find_implausible(evaluation.values)
        if implausible or texts.fallbacks:  # rare: an unusual value, or a partial locale
            _add_warnings_and_fallbacks(payload, evaluation, limit, texts, implausible, locale)
        return payload


def _add_warnings_and_fallbacks(
    payload: dict[str, Any],
    evaluation: Evaluation,
    limit: int,
    texts: LocaleTexts,
    implausible: Sequence[PlausibilityCheck],
    locale: str,
) -> None:
    """Fill `warnings`, and `fallback_items` with the texts of this answer (in answer order)
    that are not in `locale`."""
    fallen: list[str] = []
    for check in implausible:
        message, fell_back = warning_message(check, locale)
        payload["warnings"].append({"field": check.field, "code": check.code, "message": message})
        if fell_back:
            fallen.append(f"warnings:{check.code}")
    fallbacks = texts.fallbacks
    if fallbacks:
        keys = [f"triage_headlines:{evaluation.level}"]
        keys += [f"red_flags:{flag.id}" for flag in evaluation.red_flags]
        for item in evaluation.ranked[:limit]:
            cause_id = item.cause.id
            keys.append(f"causes:{cause_id}")
            keys += [f"signals:{cause_id}.{signal.id}" for signal, _ in item.evidence()]
        keys += [f"tips:{tip['id']}" for tip in payload["tips"]]
        keys += [f"questions:{question['field']}" for question in payload["follow_up_questions"]]
        keys.append("disclaimer")
        fallen[:0] = [key for key in keys if key in fallbacks]
    payload["fallback_items"] = fallen


def _cause(
    rank: int,
    item: ScoredCause,
    values: dict[str, FieldValue],
    texts: LocaleTexts,
    write_evidence: EvidenceWriter,
    show: Callable[[str], EvidenceValue],
) -> dict[str, Any]:
    """One ranked cause as plain data, its evidence written by the cause's generated writer."""
    cause = item.cause
    return {
        **texts.causes[cause.id],
        "rank": rank,
        "score": round(item.score * 1000.0) / 1000.0,  # 3 decimals, cheaper than round(x, 3)
        "confidence": confidence(cause, values),
        "evidence": write_evidence(values, show),
    }
