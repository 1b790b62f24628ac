"""Everything a publish checks beyond the schema, each problem reported with its path.

The checks are the ones an editor cannot see from one item alone: references between
items, locale completeness, and whether the rules compile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from app.content.schemas import ValidationIssue
from app.rules.bundle import Bundle, GoldenExpectation, MedicalCondition
from app.rules.compiler import RuleCompileError, compile_ruleset
from app.workout.context import WorkoutContext
from app.workout.lenient import read_leniently

TRIAGE_LEVELS = ("self_care", "consult", "urgent")


def _texts(bundle: Bundle) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every localized text map of the bundle with its path."""
    for i, cause in enumerate(bundle.causes):
        yield f"causes.{i}.text", cause.text
    for i, tip in enumerate(bundle.tips):
        yield f"tips.{i}.text", tip.text
    for i, faq in enumerate(bundle.faqs):
        yield f"faqs.{i}.text", faq.text
    for i, rules in enumerate(bundle.rules):
        for j, signal in enumerate(rules.signals):
            yield f"rules.{i}.signals.{j}.message", signal.message
    for i, flag in enumerate(bundle.red_flags):
        yield f"red_flags.{i}.message", flag.message
    for i, question in enumerate(bundle.questions):
        yield f"questions.{i}.text", question.text
    for level, headline in bundle.triage_headlines.items():
        yield f"triage_headlines.{level}", headline
    for i, condition in enumerate(bundle.conditions):
        yield f"conditions.{i}.text", condition.text
    for disposition, headline in bundle.disposition_headlines.items():
        yield f"disposition_headlines.{disposition}", headline
    if bundle.unknown_symptom_headline is not None:
        yield "unknown_symptom_headline", bundle.unknown_symptom_headline
    yield "disclaimer", bundle.disclaimer


def _duplicates(kind: str, ids: list[str]) -> list[ValidationIssue]:
    return [
        ValidationIssue(path=kind, message=f"id {item!r} is used {count} times")
        for item, count in Counter(ids).items()
        if count > 1
    ]


def check_bundle(bundle: Bundle) -> list[ValidationIssue]:
    """All problems that would make this bundle unsafe to publish (empty when none)."""
    problems: list[ValidationIssue] = []
    cause_ids = [c.id for c in bundle.causes]
    known_causes = set(cause_ids)
    problems += _duplicates("causes", cause_ids)
    problems += _duplicates("tips", [t.id for t in bundle.tips])
    problems += _duplicates("faqs", [f.id for f in bundle.faqs])
    problems += _duplicates("rules", [r.cause for r in bundle.rules])
    problems += _duplicates("red_flags", [f.id for f in bundle.red_flags])
    problems += _duplicates("questions", [q.field for q in bundle.questions])
    problems += _duplicates("golden_cases", [g.id for g in bundle.golden_cases])

    addressed: set[str] = set()
    for i, tip in enumerate(bundle.tips):
        for j, cause_id in enumerate(tip.addresses):
            if cause_id not in known_causes:
                problems.append(
                    ValidationIssue(
                        path=f"tips.{i}.addresses.{j}", message=f"unknown cause {cause_id!r}"
                    )
                )
            addressed.add(cause_id)
    ruled: set[str] = set()
    for i, rules in enumerate(bundle.rules):
        if rules.cause not in known_causes:
            problems.append(
                ValidationIssue(path=f"rules.{i}.cause", message=f"unknown cause {rules.cause!r}")
            )
        if rules.signals:
            ruled.add(rules.cause)
    for i, cause_id in enumerate(cause_ids):
        if cause_id not in addressed:
            problems.append(
                ValidationIssue(path=f"causes.{i}", message=f"no tip addresses {cause_id!r}")
            )
        if cause_id not in ruled:
            problems.append(
                ValidationIssue(path=f"causes.{i}", message=f"{cause_id!r} has no ranking rule")
            )
    for level in TRIAGE_LEVELS:
        if level not in bundle.triage_headlines:
            problems.append(
                ValidationIssue(path=f"triage_headlines.{level}", message="headline missing")
            )

    problems += _check_locales(bundle)
    problems += _check_safety_gates(bundle)

    try:
        compile_ruleset(bundle)
    except RuleCompileError as exc:
        problems += [ValidationIssue(path=path, message=msg) for path, msg in exc.problems]

    synonyms = {
        word: symptom
        for words in bundle.symptom_synonyms.values()
        for word, symptom in words.items()
    }
    for i, case in enumerate(bundle.golden_cases):
        problem = _context_problem(case.context, synonyms)
        if problem is not None:
            where, message = problem
            problems.append(
                ValidationIssue(
                    path=f"golden_cases.{i}.context.{where}",
                    message=f"not a valid workout context: {message}",
                )
            )
        for j, cause_id in enumerate(
            [*(case.expect.top1_any or []), *(case.expect.top3_includes or [])]
        ):
            if cause_id not in known_causes:
                problems.append(
                    ValidationIssue(
                        path=f"golden_cases.{i}.expect", message=f"unknown cause {cause_id!r} ({j})"
                    )
                )
    return problems


def _context_problem(
    context: dict[str, Any], synonyms: Mapping[str, str]
) -> tuple[str, str] | None:
    """(where, what) of the first problem of a golden case's context, read as a request is
    (symptom words through the synonyms), or None when it is valid and leaves nothing out."""
    read = read_leniently(context, synonyms)
    if read.context is not None and not read.issues:
        return None
    try:
        WorkoutContext.model_validate(context)
    except ValidationError as exc:
        first = exc.errors()[0]
        return ".".join(str(p) for p in first["loc"]), first["msg"]
    issue = read.issues[0]
    return issue.field, issue.reason


def _check_locales(bundle: Bundle) -> list[ValidationIssue]:
    """Complete locales must have every text; partial ones fall back, and say so."""
    problems: list[ValidationIssue] = []
    complete = set(bundle.locales)
    partial = set(bundle.partial_locales)
    declared = complete | partial
    if bundle.default_locale not in complete:
        problems.append(
            ValidationIssue(
                path="default_locale",
                message=f"{bundle.default_locale!r} must be listed in locales (and be complete)",
            )
        )
    for locale in sorted(complete & partial):
        problems.append(
            ValidationIssue(
                path="partial_locales", message=f"{locale!r} is listed as complete and partial"
            )
        )
    for path, texts in _texts(bundle):
        for locale in sorted(complete - texts.keys()):
            problems.append(
                ValidationIssue(
                    path=f"{path}.{locale}",
                    message=f"missing in complete locale {locale!r} "
                    "(add it, or list the locale in partial_locales)",
                )
            )
        for locale in sorted(texts.keys() - declared):
            problems.append(
                ValidationIssue(
                    path=f"{path}.{locale}",
                    message=f"locale {locale!r} is not declared in locales or partial_locales",
                )
            )
    return problems


def _check_safety_gates(bundle: Bundle) -> list[ValidationIssue]:
    """What keeps an emergency from being answered vaguely: every urgent red flag names the
    condition it is a sign of, every condition has a headline for its disposition and a
    golden case that holds it at that disposition (golden cases run in every locale)."""
    problems: list[ValidationIssue] = []
    for i, flag in enumerate(bundle.red_flags):
        if flag.level == "urgent" and flag.condition is None:
            problems.append(
                ValidationIssue(
                    path=f"red_flags.{i}.condition",
                    message=f"urgent red flag {flag.id!r} names no condition",
                )
            )
    known = {condition.id for condition in bundle.conditions}
    for i, case in enumerate(bundle.golden_cases):
        named = [*(case.expect.conditions_include or []), *(case.expect.conditions_exactly or [])]
        for condition_id in named:
            if condition_id not in known:
                problems.append(
                    ValidationIssue(
                        path=f"golden_cases.{i}.expect",
                        message=f"unknown condition {condition_id!r}",
                    )
                )
    for i, condition in enumerate(bundle.conditions):
        if condition.disposition not in bundle.disposition_headlines:
            problems.append(
                ValidationIssue(
                    path=f"disposition_headlines.{condition.disposition}",
                    message=f"headline missing (condition {condition.id!r} uses it)",
                )
            )
        if not any(_holds_condition(case.expect, condition) for case in bundle.golden_cases):
            problems.append(
                ValidationIssue(
                    path=f"conditions.{i}",
                    message=f"no golden case expects {condition.id!r} at "
                    f"{condition.disposition!r} (conditions_include and disposition_any)",
                )
            )
    return problems


def _holds_condition(expect: GoldenExpectation, condition: MedicalCondition) -> bool:
    return condition.id in (expect.conditions_include or []) and condition.disposition in (
        expect.disposition_any or []
    )
