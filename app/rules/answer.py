"""Build an answer in one pass over the evaluator's work, for one content version and locale.

Everything that does not depend on the request is made when the version is loaded: the
cause writers (`app.rules.evidence`), the tips at each rank, the follow-up questions and
red-flag reasons as finished items. Fixed items are shared between answers: an answer is
data to serialise, and nothing may change it. A partly translated locale is answered the same
way, its answers listing the texts that fell back to the default locale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.rules.actions import PlannedAction, schedule, template
from app.rules.bundle import TriageLevel
from app.rules.codegen import ContextEvaluator
from app.rules.compiler import CompiledCondition, CompiledRuleset, condition_key
from app.rules.counterfactuals import CounterfactualFinder, as_number, describe
from app.rules.evidence import CauseWriter
from app.rules.plausibility import warning_message
from app.rules.scores import shown_score, sigmoid
from app.rules.texts import LocaleTexts
from app.rules.triage import UNKNOWN_SYMPTOM, TriageWriter
from app.workout.context import WorkoutContext

TOP_CAUSES_CONSIDERED = 3  # tips and follow-up questions serve the causes a user reads first
MAX_TIP_GROUPS = 4096  # trios of top causes whose tip groups are kept (n causes: n(n-1)(n-2))


def demote(order: list[int], suspected: Sequence[CompiledCondition]) -> list[int]:
    """The ranking with the causes that contradict a suspected condition moved behind the
    others, each group in its own order: a reassuring cause never leads an emergency."""
    demoted: frozenset[int] = frozenset().union(*(c.demotes for c in suspected))
    if not demoted:
        return order
    return [i for i in order if i not in demoted] + [i for i in order if i in demoted]


class AnswerBuilder:
    """Writes the answers of one content version in one locale; built once per version."""

    __slots__ = (
        "_asked_weights",
        "_asks_after",
        "_cause_writers",
        "_compiled_tips",
        "_counterfactual_texts",
        "_disclaimer",
        "_evaluate",
        "_fallbacks",
        "_finder",
        "_hidden_by_flags",
        "_hidden_without_flags",
        "_locale",
        "_max_follow_ups",
        "_max_tips",
        "_question_order",
        "_questions",
        "_rank",
        "_tip_action_kinds",
        "_tip_actions",
        "_tip_conditions",
        "_tip_groups",
        "_tip_items",
        "_tip_sets",
        "_tips_by_cause",
        "_titles",
        "_triage",
        "_version",
    )

    def __init__(
        self,
        ruleset: CompiledRuleset,
        texts: LocaleTexts,
        evaluate: ContextEvaluator,
        writers: Sequence[CauseWriter],
        condition_index: Mapping[str, int],
        *,
        version: int,
        locale: str,
        max_tips: int,
        max_follow_ups: int,
        finder: CounterfactualFinder | None = None,
    ) -> None:
        self._finder = finder
        self._counterfactual_texts = texts.counterfactuals
        self._titles = {cause_id: text["title"] for cause_id, text in texts.causes.items()}
        self._version = version
        self._locale = locale
        self._max_tips = max_tips
        self._max_follow_ups = max_follow_ups
        self._evaluate = evaluate
        self._rank = ruleset.rank
        self._cause_writers = tuple(writers)
        self._fallbacks = texts.fallbacks
        self._tips_by_cause = tuple(ruleset.tips_by_cause[cause.id] for cause in ruleset.causes)
        self._compiled_tips = ruleset.tips
        self._hidden_without_flags = frozenset(
            index for index, tip in enumerate(ruleset.tips) if tip.is_hidden("self_care", ())
        )
        # (where a contraindicating condition's result is, the tip it leaves out), one pair
        # per condition: a tip is hidden when any of its conditions holds.
        self._tip_conditions = tuple(
            (condition_index[condition_key(c)], index)
            for index, tip in enumerate(ruleset.tips)
            for c in tip.hidden_when
        )
        # The tips each set of fired red flags leaves out, worked out once per set (few occur).
        self._hidden_by_flags: dict[tuple[str, ...], frozenset[int]] = {}
        self._tip_sets = tuple(frozenset(tips) for tips in self._tips_by_cause)
        self._tip_groups: dict[tuple[int, ...], list[tuple[tuple[int, ...], tuple[int, ...]]]] = {}
        # Each tip as it reads at each rank (index 0 unused), so a request only picks; a
        # tip without action rules shares its (empty) actions, the others get theirs per answer.
        self._tip_items = tuple(
            tuple(
                {**texts.tips[tip.id], "rank": rank, "actions": []} for rank in range(max_tips + 1)
            )
            for tip in ruleset.tips
        )
        self._tip_actions: dict[str, tuple[PlannedAction, ...]] = {
            tip.id: tuple(
                (
                    action,
                    tuple(condition_index[condition_key(c)] for c in action.only_when),
                    template(action),
                )
                for action in tip.actions
            )
            for tip in ruleset.tips
            if tip.actions
        }
        self._tip_action_kinds = tuple(
            frozenset(action.kind for action in tip.actions) for tip in ruleset.tips
        )
        self._asks_after = ruleset.asks_after
        self._question_order = {field: n for n, field in enumerate(ruleset.question_fields)}
        self._asked_weights = tuple(
            tuple(
                (field, weight)
                for field, weight in cause.input_weights
                if field in self._question_order
            )
            for cause in ruleset.causes
        )
        self._questions = {
            field: {"field": field, "question": question}
            for field, question in texts.questions.items()
        }
        self._triage = TriageWriter(ruleset, texts)
        self._disclaimer = texts.disclaimer

    @property
    def triage_writer(self) -> TriageWriter:
        return self._triage

    def build(
        self,
        context: WorkoutContext,
        limit: int,
        assessment_id: str,
        explain: bool = False,
        unknown_words: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The answer for a validated context, `limit` causes long; with `explain`, each
        cause shown carries its counterfactuals (else an empty list: no extra work).
        `unknown_words` are symptom words the request held that could not be read."""
        values, given, logits, conditions, red_flags, implausible, present = self._evaluate(context)
        decision = self._triage.decide(red_flags)
        if unknown_words:
            decision = self._triage.with_unknown_words(decision, unknown_words)
        triage = decision.triage
        level: TriageLevel = triage["level"]
        order = self._rank(logits)
        if decision.conditions:
            order = demote(order, decision.conditions)
        # Scores of the causes shown and of those tips and questions serve, once each.
        ranked = order[: max(limit, TOP_CAUSES_CONSIDERED)]
        scores = [sigmoid(logits[index]) for index in ranked]
        writers = self._cause_writers
        fallen: list[str] = []  # filled only by the writers of a partly translated locale
        causes = [
            writers[index](values, conditions, present, rank, scores[rank - 1], fallen)
            for rank, index in enumerate(order[:limit], start=1)
        ]
        top = tuple(order[:TOP_CAUSES_CONSIDERED])
        warnings: list[dict[str, str]] = []
        fallen_warnings: list[str] = []
        for check in implausible:
            message, fell_back = warning_message(check, self._locale)
            warnings.append({"field": check.field, "code": check.code, "message": message})
            if fell_back:
                fallen_warnings.append(f"warnings:{check.code}")
        hidden = self._hidden_without_flags
        contraindicated = [tip for at, tip in self._tip_conditions if conditions[at]]
        by_conditions = frozenset(contraindicated) if contraindicated else None
        if red_flags:
            # hidden at this level, not at self_care: a tip only an urgent answer shows
            hidden = self._hidden_tips(level, red_flags)
        if by_conditions:
            hidden = hidden | by_conditions
        # Prevention waits while care comes first (urgent, or a suspected condition): nothing
        # may dilute what to do now; elsewhere no counterfactual gives the advice of a
        # contraindicated tip.
        acting_now = level == "urgent" or bool(decision.conditions)
        if explain and self._finder is not None and not acting_now:
            withheld = frozenset(
                kind for tip in by_conditions or () for kind in self._tip_action_kinds[tip]
            )
            self._explain(causes, order[:limit], values, withheld)
        if decision.conditions:
            tips = self._care_tips(decision.conditions[0].tips, hidden)
        else:
            tips = self._tips(top, scores, hidden)
        if self._tip_actions:
            tips = self._with_actions(tips, values, conditions)
        # An emergency, or a condition to act on, is no time for a questionnaire.
        questions = [] if acting_now else self._follow_ups(top, values)
        if self._fallbacks:
            fallen = self._fallen_texts(triage, fallen, tips, questions) + fallen_warnings
        else:
            fallen = fallen_warnings
        return {
            "kind": "assessment",  # tells it from a problem among a batch's results
            "assessment_id": assessment_id,
            "content_version": self._version,
            "locale": self._locale,
            "triage": triage,
            "causes": causes,
            "tips": tips,
            "follow_up_questions": questions,
            "disclaimer": self._disclaimer,
            "normalized_context": given,
            "warnings": warnings,
            "fallback_items": fallen,
        }

    def _care_tips(self, tips: Sequence[int], hidden: frozenset[int]) -> list[dict[str, Any]]:
        """A suspected condition's own care tips, in its order."""
        items = self._tip_items
        shown = [tip for tip in tips if tip not in hidden]
        return [items[tip][rank] for rank, tip in enumerate(shown[: self._max_tips], start=1)]

    def _explain(
        self,
        causes: list[dict[str, Any]],
        shown: Sequence[int],
        values: dict[str, Any],
        withheld: frozenset[str],
    ) -> None:
        """Put each shown cause's counterfactuals in place (its dict is this answer's own)."""
        assert self._finder is not None
        found = self._finder.find(values, withheld)
        texts = self._counterfactual_texts
        for cause, index in zip(causes, shown, strict=True):
            items = []
            for field, before, after, logit in found.get(index, []):
                score_after = shown_score(logit)
                message = describe(
                    field, before, after, score_after, self._titles[cause["id"]], texts
                )
                if message is None:
                    continue
                items.append(
                    {
                        "field": field,
                        "from": as_number(before),
                        "to": as_number(after),
                        "score_after": score_after,
                        "message": message,
                    }
                )
            cause["counterfactuals"] = items

    def _fallen_texts(
        self,
        triage: dict[str, Any],
        fallen_in_causes: list[str],
        tips: list[dict[str, Any]],
        questions: list[Any],
    ) -> list[str]:
        """The texts of this answer given in the default locale, in answer order."""
        fallbacks = self._fallbacks
        if triage["conditions"]:
            keys = [f"disposition_headlines:{triage['disposition']}"]
            keys += [f"conditions:{condition['id']}" for condition in triage["conditions"]]
        else:
            keys = [f"triage_headlines:{triage['level']}"]
        keys += [
            "unknown_symptom_headline"
            if reason["code"] == UNKNOWN_SYMPTOM
            else f"red_flags:{reason['code']}"
            for reason in triage["reasons"]
        ]
        fallen = [key for key in keys if key in fallbacks] + fallen_in_causes
        keys = [f"tips:{tip['id']}" for tip in tips]
        keys += [f"questions:{question['field']}" for question in questions]
        keys.append("disclaimer")
        return fallen + [key for key in keys if key in fallbacks]

    def _hidden_tips(self, level: TriageLevel, fired: Sequence[Any]) -> frozenset[int]:
        """The tips a contraindication leaves out of this triage (content data)."""
        ids = tuple(flag.id for flag in fired)  # the level is that of the first flag
        hidden = self._hidden_by_flags.get(ids)
        if hidden is None:
            hidden = frozenset(
                index for index, tip in enumerate(self._compiled_tips) if tip.is_hidden(level, ids)
            )
            if len(self._hidden_by_flags) >= MAX_TIP_GROUPS:
                self._hidden_by_flags.clear()
            self._hidden_by_flags[ids] = hidden
        return hidden

    def _tips(
        self, top: tuple[int, ...], scores: Sequence[float], hidden: frozenset[int]
    ) -> list[dict[str, Any]]:
        """Tips by the summed score of the top causes they address (bundle order on ties).

        A tip's relevance depends only on which of the top causes it addresses, so the tips
        fall into at most seven groups, one per combination; the groups of each trio of top
        causes are worked out once (`_tip_groups`). A request then adds up the scores of each
        combination, in rank order as the reference does (the same floats), and reads the
        groups best first. Groups worth exactly the same (scores that saturate to 1.0, or
        causes that score alike) hold tips of equal relevance: their tips are merged back
        into bundle order, as ranking the tips one by one would order them.
        """
        groups = self._tip_groups.get(top)  # `scores[n]` is the score of `top[n]`
        if groups is None:
            groups = self._group_tips(top)
        ranked: list[tuple[float, tuple[int, ...]]] = []
        for positions, tips in groups:
            total = 0.0
            for position in positions:
                total += scores[position]
            ranked.append((total, tips))
        ranked.sort(reverse=True)  # equal totals are merged below, whatever order they got
        limit = self._max_tips
        picked: list[int] = []
        count = len(ranked)
        at = 0
        while at < count and len(picked) < limit:
            total, tips = ranked[at]
            at += 1
            if at < count and ranked[at][0] == total:
                tied = list(tips)
                while at < count and ranked[at][0] == total:
                    tied += ranked[at][1]
                    at += 1
                tied.sort()  # tip indices: bundle order
                tips = tuple(tied)
            picked += [tip for tip in tips if tip not in hidden] if hidden else tips
        items = self._tip_items
        return [items[tip][rank] for rank, tip in enumerate(picked[:limit], start=1)]

    def _with_actions(
        self, tips: list[dict[str, Any]], values: Mapping[str, Any], conditions: Sequence[float]
    ) -> list[dict[str, Any]]:
        """The tips with their actions for this workout: a tip with action rules is copied
        (its shared item keeps an empty list), the others are shared as they are."""
        plans = self._tip_actions
        out = []
        for tip in tips:
            planned = plans.get(tip["id"])
            if planned is not None:
                tip = tip.copy()
                tip["actions"] = schedule(planned, values, conditions)
            out.append(tip)
        return out

    def _group_tips(self, top: tuple[int, ...]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """(positions among `top` a tip addresses, those tips in bundle order), per
        combination; remembered for the trio (at most 4,096 trios, then forgotten)."""
        by_positions: dict[tuple[int, ...], list[int]] = {}
        addressed = sorted({tip for index in top for tip in self._tips_by_cause[index]})
        for tip in addressed:
            positions = tuple(
                position for position, index in enumerate(top) if tip in self._tip_sets[index]
            )
            by_positions.setdefault(positions, []).append(tip)
        groups = [(positions, tuple(tips)) for positions, tips in by_positions.items()]
        if len(self._tip_groups) >= MAX_TIP_GROUPS:
            self._tip_groups.clear()
        self._tip_groups[top] = groups
        return groups

    def _follow_ups(self, top: Sequence[int], values: dict[str, Any]) -> list[Any]:
        """The missing inputs with the most at stake for the top causes: a field's stake is
        the largest |weight| of a signal reading it, summed over the top causes."""
        stakes: dict[str, float] = {}
        get = stakes.get
        asks = self._asks_after
        activity = values["activity.type"]
        for index in top:
            for field, weight in self._asked_weights[index]:
                if field not in values and asks(field, activity):
                    stakes[field] = get(field, 0.0) + weight
        if not stakes:
            return []
        ordered = sorted(stakes, key=self._question_order.__getitem__)  # bundle order
        ordered.sort(key=stakes.__getitem__, reverse=True)  # stable: bundle order on ties
        questions = self._questions
        return [questions[field] for field in ordered[: self._max_follow_ups]]
