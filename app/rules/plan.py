"""The compiled plan of a version in one locale: the one description of a ruleset's meaning, as
data (as OPA's plan is), for evaluators that are not this process (the on-device evaluator of
CONTRACT "The plan of a version", the test oracle).

It holds everything needed to build that version's answer in that locale, and no Python: the
input fields in the order of the evaluator's bit mask, the derived fields and the built-in
functions that compute them, the distinct conditions in the order the generated evaluator
leaves their results (`condition_index`), causes, red flags, must-not-miss conditions, tips
with their action rules, follow-up questions, every text of the locale (and which fell back
to the default locale), plausibility checks, counterfactual texts and the answer's limits.
Conditions are referred to by their index; operators by their name in `app.rules.ops`.

`python -m app.rules.plan` writes the plan's JSON Schema to `app/rules/plan.schema.json`
(`make openapi` does too); a test fails when the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

import orjson
from pydantic import BaseModel, ConfigDict, Field

from app.rules import answer as answer_module
from app.rules import counterfactuals, derived, scores
from app.rules.bundle import ConditionOp, Disposition, TriageLevel
from app.rules.compiler import CompiledAction, CompiledTip, condition_key
from app.rules.evidence import CONFIDENCE_HIGH, CONFIDENCE_MEDIUM, EVIDENCE_DECIMALS
from app.rules.fields import DERIVED_FIELDS, INPUT_FIELDS, FieldKind
from app.rules.plausibility import CHECKS, MAX_PLAUSIBLE_SPEED_KMH, warning_message
from app.rules.triage import UNKNOWN_SYMPTOM
from app.rules.versions import MAX_FOLLOW_UPS, MAX_LIMIT, MAX_TIPS, AssessmentEngine
from app.workout.plan_data import vocabulary_plan

PLAN_FORMAT: Final = 1
SCHEMA_PATH: Final = Path(__file__).with_name("plan.schema.json")
# How a cause's confidence reads the share of its inputs given (`app.rules.evidence`).

ConditionValue = float | bool | str | list[float] | list[str] | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Model):
    max_limit: int = Field(description="The most causes an answer may be asked for.")
    max_tips: int
    max_follow_ups: int
    top_causes_considered: int = Field(
        description="Tips and follow-up questions serve this many top causes."
    )
    shown_scale: float = Field(description="Scores and weights are rounded to 1/shown_scale.")
    evidence_decimals: int
    confidence_high: float = Field(description="Share of a cause's inputs given for `high`.")
    confidence_medium: float = Field(description="Share of a cause's inputs given for `medium`.")


class InputField(_Model):
    """An input field; its position in `input_fields` is its bit in the mask of given inputs."""

    path: str
    kind: FieldKind
    choices: list[str] = Field(description="The values of an enum or list field, sorted.")


class DerivedField(_Model):
    path: str
    kind: FieldKind
    inputs: list[str]
    builtin: str = Field(description="The built-in function that computes it.")


class Derivation(_Model):
    """The derived values: each is computed by its built-in from the input values (left out
    when its inputs are missing); the constants the built-ins use."""

    fields: list[DerivedField]
    constants: dict[str, Any]


class PlanCondition(_Model):
    field: str
    op: ConditionOp
    value: ConditionValue = None


class PlanSignal(_Model):
    id: str
    weight: float
    conditions: list[int] = Field(description="All hold: activations multiply, in order.")
    silencers: list[int] = Field(description="Any one holding: the signal adds nothing.")
    evidence_field: str
    message: str
    fallback: str | None = Field(description="Its text key when the message fell back.")


class FieldWeight(_Model):
    field: str
    weight: float


class PlanCause(_Model):
    id: str
    title: str
    summary: str
    explanation: str
    fallback: str | None
    prior: float
    base_rate: float | None
    requires_evidence: bool
    input_fields: list[str]
    input_weights: list[FieldWeight] = Field(
        description="Input -> the largest |weight| of a signal reading it: a question's stake."
    )
    signals: list[PlanSignal]


class Ranking(_Model):
    tie_order: list[int] = Field(description="Cause indexes: exact ties rank in this order.")
    gated: list[int] = Field(description="Causes ranked only when their logit beats the prior.")


class PlanRedFlag(_Model):
    id: str
    level: TriageLevel
    disposition: Disposition
    condition: str | None
    when: list[int]
    unless: list[int]


class ConditionText(_Model):
    id: str
    title: str
    summary: str
    first_aid: list[str]
    avoid: list[str]


class PlanMedicalCondition(_Model):
    id: str
    disposition: Disposition
    fallback: bool = Field(description="A generic warning sign: only when nothing else is.")
    tips: list[int]
    demotes: list[int]
    text: ConditionText


class Amount(_Model):
    field: str | None
    factor: float
    over_duration: bool
    min: float | None
    max: float | None
    round_to: float
    default: float | None


class PlanAction(_Model):
    kind: str
    unit: str | None
    when: str
    offset_min: int
    offset_is_amount: bool
    per_hour: bool
    amount: Amount | None
    only_when: list[int]


class TipText(_Model):
    id: str
    title: str
    body: str
    addresses: list[str]


class PlanTip(_Model):
    id: str
    addresses: list[str]
    care: bool
    hidden_at: list[TriageLevel]
    hidden_by: list[str]
    hidden_when: list[int]
    actions: list[PlanAction]
    text: TipText


class PlanQuestion(_Model):
    field: str
    activities: list[str] = Field(description="Asked only after these activities ([]: any).")
    text: str


class TriageTexts(_Model):
    headlines: dict[str, str]
    disposition_headlines: dict[str, str]
    reasons: dict[str, str] = Field(description="Red flag id -> its reason.")
    unknown_symptom_headline: str | None
    unknown_symptom_code: str


class Bound(_Model):
    path: str
    op: str = Field(pattern=r"^[<>]$")
    limit: float


class PlanCheck(_Model):
    code: str
    field: str
    test: Bound | None = None
    builtin: str | None = None
    message: str
    fallback: str | None


class Plausibility(_Model):
    checks: list[PlanCheck]
    constants: dict[str, Any]


class Controllable(_Model):
    step: float
    low: float
    high: float
    unit: str
    within: float | None
    per_session_hour: float | None


class Counterfactuals(_Model):
    texts: dict[str, str]
    controllable: dict[str, Controllable | None] = Field(
        description="Fields a user can change; null: a yes/no field."
    )
    advice_of_more: dict[str, str]
    max_per_cause: int
    min_drop: float
    unlikely_below: float


class Plan(_Model):
    plan_format: int
    content_version: int
    locale: str
    default_locale: str
    limits: Limits
    input_fields: list[InputField]
    derived: Derivation
    conditions: list[PlanCondition]
    causes: list[PlanCause]
    ranking: Ranking
    red_flags: list[PlanRedFlag] = Field(description="Most severe first.")
    medical_conditions: list[PlanMedicalCondition] = Field(description="Most serious first.")
    tips: list[PlanTip]
    questions: list[PlanQuestion]
    triage: TriageTexts
    plausibility: Plausibility
    disclaimer: str
    fallbacks: list[str] = Field(description="Keys of the texts given in the default locale.")
    symptom_synonyms: dict[str, str]
    counterfactuals: Counterfactuals
    vocabulary: dict[str, Any] = Field(
        description="How a body is read: sections, bounds, units, platform names, symptom "
        "words (app.workout.plan_data.vocabulary_plan)."
    )


def build_plan(engine: AssessmentEngine, locale: str) -> Plan:
    """The plan of `engine`'s version in `locale` (the default locale when it has none)."""
    bundle = engine.bundle
    if locale not in engine.texts:
        locale = bundle.default_locale
    texts = engine.texts[locale]
    ruleset = engine.ruleset
    index = engine.generated.condition_index

    def at(conditions: Any) -> list[int]:
        return [index[condition_key(condition)] for condition in conditions]

    def fell(key: str) -> str | None:
        return key if key in texts.fallbacks else None

    conditions = [
        PlanCondition(field=field, op=op, value=value)
        for key, _ in sorted(index.items(), key=lambda item: item[1])
        for field, op, value in [json.loads(key)]
    ]
    plan_causes = [
        PlanCause(
            **texts.causes[cause.id],
            fallback=fell(f"causes:{cause.id}"),
            prior=cause.prior,
            base_rate=cause.base_rate,
            requires_evidence=cause.requires_evidence,
            input_fields=list(cause.input_fields),
            input_weights=[FieldWeight(field=f, weight=w) for f, w in cause.input_weights],
            signals=[
                PlanSignal(
                    id=signal.id,
                    weight=signal.weight,
                    conditions=at(signal.conditions),
                    silencers=at(signal.silenced_when),
                    evidence_field=signal.evidence_field,
                    message=texts.signals[cause.id, signal.id],
                    fallback=fell(f"signals:{cause.id}.{signal.id}"),
                )
                for signal in cause.signals
            ],
        )
        for cause in ruleset.causes
    ]
    return Plan(
        plan_format=PLAN_FORMAT,
        content_version=engine.version,
        locale=locale,
        default_locale=bundle.default_locale,
        limits=Limits(
            max_limit=MAX_LIMIT,
            max_tips=MAX_TIPS,
            max_follow_ups=MAX_FOLLOW_UPS,
            top_causes_considered=answer_module.TOP_CAUSES_CONSIDERED,
            shown_scale=scores.SHOWN_SCALE,
            evidence_decimals=EVIDENCE_DECIMALS,
            confidence_high=CONFIDENCE_HIGH,
            confidence_medium=CONFIDENCE_MEDIUM,
        ),
        input_fields=[
            InputField(path=path, kind=INPUT_FIELDS[path].kind, choices=_choices(path))
            for path in engine.generated.input_bits
        ],
        derived=_derivation(),
        conditions=conditions,
        causes=plan_causes,
        ranking=Ranking(tie_order=list(ruleset.tie_order), gated=[n for n, _ in ruleset.gated]),
        red_flags=[
            PlanRedFlag(
                id=flag.id,
                level=flag.level,
                disposition=flag.disposition,
                condition=flag.condition,
                when=at(flag.conditions),
                unless=at(flag.unless),
            )
            for flag in ruleset.red_flags
        ],
        medical_conditions=[
            PlanMedicalCondition(
                id=condition.id,
                disposition=condition.disposition,
                fallback=condition.fallback,
                tips=list(condition.tips),
                demotes=sorted(condition.demotes),
                text=ConditionText(**texts.conditions[condition.id]),
            )
            for condition in ruleset.conditions
        ],
        tips=[_tip(tip, texts.tips[tip.id], at) for tip in ruleset.tips],
        questions=[
            PlanQuestion(
                field=field,
                activities=sorted(ruleset.question_activities.get(field, ())),
                text=texts.questions[field],
            )
            for field in ruleset.question_fields
        ],
        triage=TriageTexts(
            headlines=dict(sorted(texts.headlines.items())),
            disposition_headlines=dict(sorted(texts.disposition_headlines.items())),
            reasons={flag.id: texts.red_flags[flag.id] for flag in ruleset.red_flags},
            unknown_symptom_headline=texts.unknown_symptom_headline,
            unknown_symptom_code=UNKNOWN_SYMPTOM,
        ),
        plausibility=_plausibility(locale),
        disclaimer=texts.disclaimer,
        fallbacks=sorted(texts.fallbacks),
        symptom_synonyms=dict(sorted(engine.synonyms(locale).items())),
        counterfactuals=_counterfactuals(dict(texts.counterfactuals)),
        vocabulary=vocabulary_plan(),
    )


def _choices(path: str) -> list[str]:
    return sorted(INPUT_FIELDS[path].choices)


def _tip(tip: CompiledTip, text: dict[str, Any], at: Any) -> PlanTip:
    return PlanTip(
        id=tip.id,
        addresses=list(tip.addresses),
        care=tip.care,
        hidden_at=sorted(tip.hidden_at),
        hidden_by=sorted(tip.hidden_by),
        hidden_when=at(tip.hidden_when),
        actions=[_action(action, at) for action in tip.actions],
        text=TipText(**text),
    )


def _action(action: CompiledAction, at: Any) -> PlanAction:
    amount = None
    if action.has_amount:
        amount = Amount(
            field=action.field,
            factor=action.factor,
            over_duration=action.over_duration,
            min=action.low,
            max=action.high,
            round_to=action.round_to,
            default=action.default,
        )
    return PlanAction(
        kind=action.kind,
        unit=action.unit,
        when=action.when,
        offset_min=action.offset_min,
        offset_is_amount=action.offset_is_amount,
        per_hour=action.per_hour,
        amount=amount,
        only_when=at(action.only_when),
    )


def _derivation() -> Derivation:
    return Derivation(
        fields=[
            DerivedField(
                path=path,
                kind=spec.kind,
                inputs=list(spec.inputs),
                builtin=path.removeprefix("derived."),
            )
            for path, spec in DERIVED_FIELDS.items()
        ],
        constants={
            "assumed_humidity_pct": derived.ASSUMED_HUMIDITY_PCT,
            "assumed_apparent_temperature_c": derived.ASSUMED_APPARENT_TEMPERATURE_C,
            "load_spike_pct": derived.LOAD_SPIKE_PCT,
            "weeks_off_for_detraining": derived.WEEKS_OFF_FOR_DETRAINING,
            "hot_apparent_temperature_c": derived.HOT_APPARENT_TEMPERATURE_C,
            "hot_session_min_rpe": derived.HOT_SESSION_MIN_RPE,
            "recent_illness_days": derived.RECENT_ILLNESS_DAYS,
            "glucose_lowering_classes": sorted(derived.GLUCOSE_LOWERING_CLASSES),
            "endurance_types": sorted(derived.ENDURANCE_TYPES),
            "typical_rpe": dict(sorted(derived.TYPICAL_RPE.items())),
            "sweat_factor": dict(sorted(derived.SWEAT_FACTOR.items())),
        },
    )


def _plausibility(locale: str) -> Plausibility:
    checks = []
    for check in CHECKS:
        message, fell_back = warning_message(check, locale)
        test, builtin = None, None
        if isinstance(check.test, tuple):
            path, op, limit = check.test
            test = Bound(path=path, op=op, limit=limit)
        else:
            builtin = check.test.__name__.lstrip("_")
        checks.append(
            PlanCheck(
                code=check.code,
                field=check.field,
                test=test,
                builtin=builtin,
                message=message,
                fallback=f"warnings:{check.code}" if fell_back else None,
            )
        )
    speeds = {str(activity): limit for activity, limit in MAX_PLAUSIBLE_SPEED_KMH.items()}
    return Plausibility(
        checks=checks, constants={"max_plausible_speed_kmh": dict(sorted(speeds.items()))}
    )


def _counterfactuals(texts: dict[str, str]) -> Counterfactuals:
    return Counterfactuals(
        texts=dict(sorted(texts.items())),
        controllable={
            field: None
            if bounds is None
            else Controllable(
                step=bounds.step,
                low=bounds.low,
                high=bounds.high,
                unit=bounds.unit,
                within=bounds.within,
                per_session_hour=bounds.per_session_hour,
            )
            for field, bounds in sorted(counterfactuals.CONTROLLABLE.items())
        },
        advice_of_more=dict(sorted(counterfactuals.ADVICE_OF_MORE.items())),
        max_per_cause=counterfactuals.MAX_PER_CAUSE,
        min_drop=counterfactuals.MIN_DROP,
        unlikely_below=counterfactuals.UNLIKELY_BELOW,
    )


def plan_json(engine: AssessmentEngine, locale: str) -> bytes:
    """The plan as JSON bytes: the same engine and locale always give the same bytes."""
    return orjson.dumps(build_plan(engine, locale).model_dump(mode="json"))


def plan_schema() -> dict[str, Any]:
    schema = Plan.model_json_schema()
    schema["$id"] = f"urn:tremor-guide:plan:{PLAN_FORMAT}"
    return schema


def render_schema() -> str:
    return json.dumps(plan_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_PATH
    target.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {target}")
