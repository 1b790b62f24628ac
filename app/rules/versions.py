"""The assessment engine of one content version: compiled rules, texts and answer builders.

Built once when a version is loaded, so that a request only runs generated code and reads
ready-made items: `answer.AnswerBuilder` writes the answers the service serves, and
`AssessmentEngine.reference_payload` decides the same answers the slow, obvious way, as
the oracle the tests hold the builder to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.rules.answer import AnswerBuilder
from app.rules.bundle import Bundle
from app.rules.codegen import shown_weight
from app.rules.compiler import CompiledRuleset, compile_ruleset
from app.rules.engine import (
    Evaluation,
    ScoredCause,
    confidence,
    evaluate,
    follow_up_fields,
    rank_tips,
)
from app.rules.plausibility import PlausibilityCheck, find_implausible, warning_message
from app.rules.schemas import AssessmentResponse
from app.rules.texts import LocaleTexts, display_value, render_texts
from app.workout.context import WorkoutContext

MAX_LIMIT = 50
MAX_TIPS = 5
MAX_FOLLOW_UPS = 3


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
        # A builder per locale whose texts are all its own. A partial translation's answers
        # must list the texts that fell back, item by item: the reference path does that.
        self.builders: dict[str, AnswerBuilder] = {
            loc: AnswerBuilder(
                self.ruleset,
                texts,
                version=version,
                locale=loc,
                max_tips=MAX_TIPS,
                max_follow_ups=MAX_FOLLOW_UPS,
            )
            for loc, texts in self.texts.items()
            if not texts.fallbacks
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
        `limit` (1-50) caps the causes returned; tips and questions still consider the top
        three. Treat the answer as read-only: its fixed items are shared between answers.
        """
        _check_limit(limit)
        if locale not in self.texts:
            locale = self.bundle.default_locale
        builder = self.builders.get(locale)
        if builder is None:  # a partial translation
            return self.reference_payload(
                context, locale=locale, limit=limit, assessment_id=assessment_id
            )
        return builder.build(context, limit, assessment_id)

    def reference_payload(
        self, context: WorkoutContext, *, locale: str, limit: int = 5, assessment_id: str
    ) -> dict[str, Any]:
        """`assess_payload`'s answer, decided step by step through `engine.evaluate`: every
        cause ranked, the shown ones explained by their explainers, then tips, questions,
        warnings and fallbacks, each by its own helper.

        Slower and plainly correct: the oracle the answer builders are tested against, and
        the path for locales that are only partly translated.
        """
        _check_limit(limit)
        if locale not in self.texts:
            locale = self.bundle.default_locale
        texts = self.texts[locale]
        evaluation = evaluate(self.ruleset, context)
        values = evaluation.values
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
                _cause(rank, item, values, texts)
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


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")


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
    rank: int, item: ScoredCause, values: dict[str, Any], texts: LocaleTexts
) -> dict[str, Any]:
    """One ranked cause as plain data, its evidence from the cause's explainer."""
    cause = item.cause
    evidence = []
    for signal, contribution in item.evidence():
        weight = shown_weight(contribution)
        if weight:  # a contribution that rounds to 0 moved nothing a user can see
            evidence.append(
                {
                    "field": signal.evidence_field,
                    "value": display_value(values.get(signal.evidence_field)),
                    "effect": "raises" if signal.weight > 0 else "lowers",
                    "weight": weight,
                    "message": texts.signals[cause.id, signal.id],
                }
            )
    return {
        **texts.causes[cause.id],
        "rank": rank,
        "score": round(item.score * 1000.0) / 1000.0,  # 3 decimals, cheaper than round(x, 3)
        "confidence": confidence(cause, values),
        "evidence": evidence,
    }
