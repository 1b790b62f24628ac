"""The assessment engine of one content version: compiled rules, generated code, answer builders.

Built once when a version is loaded, so that a request only runs generated code and reads
ready-made items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from app.rules.answer import AnswerBuilder, demote
from app.rules.bundle import Bundle, Disposition, TriageLevel
from app.rules.codegen import GeneratedRules, generate_rules
from app.rules.compiler import CompiledRedFlag, CompiledRuleset, compile_ruleset
from app.rules.counterfactuals import CounterfactualFinder
from app.rules.evidence import CauseWriter
from app.rules.texts import LocaleTexts, render_texts
from app.workout.context import WorkoutContext

MAX_LIMIT = 50
MAX_TIPS = 5
MAX_FOLLOW_UPS = 3


class Evaluation(NamedTuple):
    """Triage and ranking of one context, without texts (golden cases need no more)."""

    level: TriageLevel
    red_flags: tuple[CompiledRedFlag, ...]  # fired, most severe first
    disposition: Disposition
    conditions: tuple[str, ...]  # suspected condition ids, most serious first
    ranked: tuple[str, ...]  # cause ids, best first (ties by base rate)
    logits: dict[str, float]  # cause id -> logit


class AssessmentEngine:
    """Answers assessments for one content version; build it once per version."""

    def __init__(self, bundle: Bundle, version: int) -> None:
        self.bundle = bundle
        self.version = version
        self._synonyms = {
            locale: _synonyms_for(bundle, locale)
            for locale in dict.fromkeys([bundle.default_locale, *bundle.locales])
        }
        self.ruleset: CompiledRuleset = compile_ruleset(bundle)
        locales = dict.fromkeys([bundle.default_locale, *bundle.locales, *bundle.partial_locales])
        self.texts: dict[str, LocaleTexts] = {
            loc: render_texts(bundle, self.ruleset.tips, loc) for loc in locales
        }
        self.generated: GeneratedRules = generate_rules(self.ruleset, version)
        finder = CounterfactualFinder(self.ruleset, self.generated.score_inputs)
        self.builders: dict[str, AnswerBuilder] = {
            loc: AnswerBuilder(
                self.ruleset,
                texts,
                self.generated.evaluate_context,
                _cause_writers(self.ruleset, texts, self.generated),
                self.generated.condition_index,
                version=version,
                locale=loc,
                max_tips=MAX_TIPS,
                max_follow_ups=MAX_FOLLOW_UPS,
                finder=finder,
            )
            for loc, texts in self.texts.items()
        }

    def synonyms(self, locale: str) -> dict[str, str]:
        """Symptom synonyms for a request in `locale`: its own first, then every other
        locale's (a word in another language still names its symptom)."""
        return self._synonyms.get(locale) or self._synonyms[self.bundle.default_locale]

    @property
    def source(self) -> str:
        """The generated module's source, as tracebacks show it."""
        return self.generated.source

    def evaluate(self, context: WorkoutContext) -> Evaluation:
        """Triage and ranking without texts."""
        result = self.generated.evaluate_context(context)
        logits = result.logits
        order = self.ruleset.rank(logits)
        ids = [cause.id for cause in self.ruleset.causes]
        red_flags = tuple(result.red_flags)
        builder = self.builders[self.bundle.default_locale]
        decision = builder.triage_writer.decide(red_flags)
        if decision.conditions:
            order = demote(order, decision.conditions)
        return Evaluation(
            level=decision.triage["level"],
            red_flags=red_flags,
            disposition=decision.triage["disposition"],
            conditions=tuple(condition.id for condition in decision.conditions),
            ranked=tuple(ids[index] for index in order),
            logits=dict(zip(ids, logits, strict=True)),
        )

    def assess_payload(
        self,
        context: WorkoutContext,
        *,
        locale: str,
        limit: int = 5,
        assessment_id: str,
        explain: bool = False,
        unknown_words: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The full answer in `locale` (the default locale when the bundle lacks it), as plain
        JSON-ready data in exactly the shape of `AssessmentResponse`.

        `limit` (1-50) caps the causes returned; tips and questions still consider the top
        three. Treat the answer as read-only: its fixed items are shared between answers.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        builder = self.builders.get(locale) or self.builders[self.bundle.default_locale]
        return builder.build(context, limit, assessment_id, explain, unknown_words)


def _cause_writers(
    ruleset: CompiledRuleset, texts: LocaleTexts, generated: GeneratedRules
) -> list[CauseWriter]:
    """Per cause, in bundle order, its writer in one locale, with the keys of its texts that
    fell back to the default locale."""
    writers = []
    for cause in ruleset.causes:
        signal_keys = [f"signals:{cause.id}.{signal.id}" for signal in cause.signals]
        cause_key = f"causes:{cause.id}"
        writers.append(
            CauseWriter(
                cause,
                texts.causes[cause.id],
                [texts.signals[cause.id, signal.id] for signal in cause.signals],
                generated.condition_index,
                generated.input_bits,
                fallen_cause=cause_key if cause_key in texts.fallbacks else None,
                fallen_signals=[key if key in texts.fallbacks else None for key in signal_keys],
            )
        )
    return writers


def _synonyms_for(bundle: Bundle, locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for words in bundle.symptom_synonyms.values():
        merged.update(words)
    merged.update(bundle.symptom_synonyms.get(locale, {}))
    return merged
