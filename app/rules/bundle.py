"""The content bundle: everything one content version holds, as a pydantic schema.

A bundle is stored whole (one JSON document per version) so that loading a version
is a single-row read, drafts are copies, and diffs compare two documents. Every
text is a map from locale to text so that a locale can be added item by item and
missing items fall back per item to the bundle's default locale.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from typing_extensions import TypeAliasType

from app.rules.ops import OPERATOR_GUIDE
from app.workout.vocabulary import ActivityType, AssociatedSymptom

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$", max_length=64)]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$", max_length=3)]
MAX_LOCALES = 50  # every list and map in a bundle is bounded, so no request can be huge
ConditionText = Annotated[str, StringConstraints(max_length=200)]
FieldPath = Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


def _whole_number_input(value: object) -> object:
    # JSON Schema's integer is any whole number (10.0 too), and never true or false: lax
    # parsing took `false` as 0, strict parsing refused 10.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a whole number")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number_input)]


class _LocaleKeys:
    """Describe a locale-keyed (or other pattern-keyed) map as `additionalProperties` plus
    `propertyNames`.

    Pydantic writes `patternProperties` for pattern-checked keys, which SDK generators cannot
    type; this form says the same (and, like validation, refuses other keys) in a way they can.
    """

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        patterns = json_schema.pop("patternProperties", None)
        if patterns:
            ((pattern, values),) = patterns.items()
            json_schema["additionalProperties"] = values
            json_schema["propertyNames"] = {"pattern": pattern}
        return json_schema


# Named aliases (TypeAliasType) become named schemas in the OpenAPI document, so generated
# SDKs get one well-named type each instead of an anonymous copy per field.
LocalizedText = TypeAliasType(
    "LocalizedText",
    Annotated[
        dict[Locale, Text],
        _LocaleKeys(),
        Field(description="One text per locale, e.g. `en`.", max_length=MAX_LOCALES),
    ],
)
TriageLevel = TypeAliasType(
    "TriageLevel",
    Annotated[
        Literal["self_care", "consult", "urgent"],
        Field(description="How soon to seek care: self_care, consult (soon) or urgent (now)."),
    ],
)
Disposition = TypeAliasType(
    "Disposition",
    Annotated[
        Literal[
            "self_care",
            "see_clinician_soon",
            "see_clinician_today",
            "emergency_department",
            "call_emergency_number",
        ],
        Field(
            description="Where to go and how soon: self_care; see_clinician_soon (within days) "
            "or see_clinician_today (both `consult`); emergency_department (go now) or "
            "call_emergency_number (call now; both `urgent`)."
        ),
    ],
)
RedFlagLevel = TypeAliasType(
    "RedFlagLevel",
    Annotated[Literal["consult", "urgent"], Field(description="The triage level a red flag sets.")],
)

# The names only: what each means, and where, is declared once in `app.rules.ops` (a test
# holds the two lists equal).
ConditionOp = TypeAliasType(
    "ConditionOp",
    Annotated[
        Literal[
            "present",
            "true",
            "false",
            "eq",
            "in",
            "contains",
            "contains_any",
            "gte",
            "gt",
            "lte",
            "lt",
            "between",
            "ramp_up",
            "ramp_down",
        ],
        Field(description=OPERATOR_GUIDE),
    ],
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Condition(_Strict):
    """One test over a context field; a missing field never matches."""

    field: FieldPath
    op: ConditionOp
    # strict: in lax mode a string too long for ConditionText (250 digits) was taken as a
    # float, and "1" could be a number or a text; a value is what its JSON type says.
    value: (
        StrictFloat
        | StrictBool
        | ConditionText
        | Annotated[list[StrictFloat], Field(max_length=50)]
        | Annotated[list[ConditionText], Field(max_length=50)]
        | None
    ) = None


class Signal(_Strict):
    """A weighted piece of evidence: all conditions hold -> weight moves the cause's logit.

    Ramps make the activation fractional (0..1); the contribution is weight x activation.
    """

    id: Slug
    when: list[Condition] = Field(min_length=1, max_length=4)
    weight: StrictFloat = Field(ge=-10, le=10)
    evidence_field: FieldPath | None = None  # defaults to when[0].field
    message: LocalizedText
    silenced_when: list[Condition] = Field(
        default_factory=list,
        max_length=4,
        description="Conditions each of which silences the signal: a measured value that "
        "overrides an estimate (a weight gain silences an estimated fluid deficit).",
    )


class CauseRules(_Strict):
    """The ranking rules of one cause: a prior (logit) plus its signals."""

    cause: Slug
    prior: StrictFloat = Field(ge=-10, le=10)
    base_rate: StrictFloat | None = Field(
        default=None,
        ge=0,
        le=1,
        description="How common the cause is among people whose legs shake after exercise "
        "(a rough share, 0-1). It never moves a score: it only orders causes whose scores tie "
        "exactly, most common first; causes without one follow, in bundle order.",
    )
    requires_evidence: StrictBool = Field(
        default=False,
        description="Rank the cause only when its signals raise its score above the prior: "
        "for a cause that needs inputs most workouts lack (a glucose reading, a medicine, the "
        "water temperature), so that it stays out of answers that say nothing about it.",
    )
    signals: list[Signal] = Field(max_length=200)


class CauseText(_Strict):
    title: Text
    summary: Text
    explanation: Text
    typical_situations: list[Text] = Field(min_length=1, max_length=20)


CauseTexts = TypeAliasType(
    "CauseTexts",
    Annotated[dict[Locale, CauseText], _LocaleKeys(), Field(max_length=MAX_LOCALES)],
)


class Cause(_Strict):
    id: Slug
    text: CauseTexts


class TipText(_Strict):
    title: Text
    body: Text


TipTexts = TypeAliasType(
    "TipTexts", Annotated[dict[Locale, TipText], _LocaleKeys(), Field(max_length=MAX_LOCALES)]
)


ActionKind = TypeAliasType(
    "ActionKind",
    Annotated[
        Literal[
            "drink",
            "eat",
            "electrolytes",
            "warm_up",
            "cool_down",
            "rest",
            "reduce_load",
            "see_clinician",
        ],
        Field(description="What a scheduled action asks the athlete to do."),
    ],
)
ActionWhen = TypeAliasType(
    "ActionWhen",
    Annotated[
        Literal["before", "during", "after", "next_session"],
        Field(description="When an action happens, relative to the (next) session."),
    ],
)
ActionUnit = TypeAliasType(
    "ActionUnit",
    Annotated[
        Literal["ml", "g", "mg", "min", "pct", "days"],
        Field(description="The unit of an action's amount."),
    ],
)


class ActionAmount(_Strict):
    """How an action's amount is worked out from the workout: `field` (an input or a derived
    value) x `factor`, per hour of the session when `over_duration`, kept within [min, max]
    and rounded to a multiple of `round_to`; `default` when the field is missing (no
    `field`: always `default`). No amount at all when neither gives one."""

    field: FieldPath | None = None
    factor: StrictFloat = Field(default=1.0, ge=-1000, le=1000)
    over_duration: StrictBool = Field(
        default=False, description="Divide by the session's hours: a rate per hour."
    )
    min: StrictFloat | None = Field(default=None, ge=0, le=100000)
    max: StrictFloat | None = Field(default=None, ge=0, le=100000)
    round_to: StrictFloat = Field(default=1.0, gt=0, le=10000)
    default: StrictFloat | None = Field(default=None, ge=0, le=100000)


class ActionRule(_Strict):
    """One action a tip schedules, e.g. "drink 600 ml per hour during the next session"."""

    kind: ActionKind
    unit: ActionUnit | None = None
    amount: ActionAmount | None = None
    when: ActionWhen
    offset_min: WholeNumber = Field(
        default=0,
        ge=-1440,
        le=10080,
        description="Minutes from the start of `when` (before: minutes before the session).",
    )
    offset_is_amount: StrictBool = Field(
        default=False,
        description="Use the amount (minutes) as the offset: a 15-minute warm-up starts "
        "15 minutes before.",
    )
    per_hour: StrictBool = False
    only_when: list[Condition] = Field(
        default_factory=list,
        max_length=4,
        description="Conditions that must all hold for the action to be scheduled.",
    )


class Tip(_Strict):
    id: Slug
    addresses: list[Slug] = Field(min_length=1, max_length=20)
    text: TipTexts
    care: StrictBool = Field(
        default=False,
        description="A tip that sends the person to care or says what to do now (not "
        "training advice): the only kind an urgent answer or a suspected condition shows.",
    )
    # Contraindications: when the tip must not be shown, whatever its relevance.
    hidden_at: list[TriageLevel] = Field(
        default_factory=list,
        max_length=3,
        description="Triage levels at which the tip is left out (e.g. training tips when urgent).",
    )
    hidden_by: list[Slug] = Field(
        default_factory=list,
        max_length=40,
        description="Red flags whose firing leaves the tip out.",
    )
    hidden_when: list[Condition] = Field(
        default_factory=list,
        max_length=6,
        description="Conditions each of which leaves the tip out (e.g. drinking advice "
        "when the fluid taken exceeds the sweat loss, or the athlete gained weight).",
    )
    actions: list[ActionRule] = Field(
        default_factory=list,
        max_length=10,
        description="What the tip schedules, worked out from the workout (see ActionRule).",
    )


class FaqText(_Strict):
    question: Text
    answer: Text


FaqTexts = TypeAliasType(
    "FaqTexts", Annotated[dict[Locale, FaqText], _LocaleKeys(), Field(max_length=MAX_LOCALES)]
)


class Faq(_Strict):
    id: Slug
    text: FaqTexts


class RedFlag(_Strict):
    """A finding that sets the triage level before any ranking (all conditions must hold)."""

    id: Slug
    level: RedFlagLevel
    when: list[Condition] = Field(min_length=1, max_length=4)
    unless: list[Condition] = Field(
        default_factory=list,
        max_length=4,
        description="Conditions each of which keeps the flag from firing (a measured value "
        "that explains the finding otherwise).",
    )
    message: LocalizedText
    condition: Slug | None = Field(
        default=None,
        description="The must-not-miss condition this flag is a sign of (required when urgent).",
    )
    disposition: Disposition | None = Field(
        default=None,
        description="Where to go when the flag fires; default: its condition's disposition "
        "when that agrees with the level, else see_clinician_soon or emergency_department.",
    )


class MedicalConditionText(_Strict):
    title: Text
    summary: Text
    first_aid: list[Text] = Field(min_length=1, max_length=8)
    avoid: list[Text] = Field(default_factory=list, max_length=8)


MedicalConditionTexts = TypeAliasType(
    "MedicalConditionTexts",
    Annotated[dict[Locale, MedicalConditionText], _LocaleKeys(), Field(max_length=MAX_LOCALES)],
)


class MedicalCondition(_Strict):
    """A must-not-miss condition: suspected when a red flag naming it fires."""

    id: Slug
    disposition: Disposition = Field(
        description="Where to go when it is suspected (a flag may set its own)."
    )
    fallback: StrictBool = Field(
        default=False,
        description="A generic warning sign: shown only when no other condition is suspected.",
    )
    tips: list[Slug] = Field(
        default_factory=list,
        max_length=2,
        description="The care tips that fit it, in order: shown instead of every other tip.",
    )
    demotes: list[Slug] = Field(
        default_factory=list,
        max_length=50,
        description="Causes that contradict it: never ranked first while it is suspected.",
    )
    text: MedicalConditionTexts


class FollowUpQuestion(_Strict):
    """The question asked when a context field is missing and would change the ranking."""

    field: FieldPath
    text: LocalizedText
    activities: list[ActivityType] = Field(
        default_factory=list,
        max_length=len(ActivityType),
        description="Ask only after these activities (empty: after any), e.g. 1RM for lifting.",
    )


class EvidenceRef(_Strict):
    """One cause's evidence item on one field."""

    cause: Slug
    field: FieldPath


class ExpectedAction(_Strict):
    """An action a golden case expects a tip to carry (only the fields given are compared)."""

    kind: ActionKind
    amount: StrictFloat | None = None
    unit: ActionUnit | None = None
    when: ActionWhen | None = None
    per_hour: StrictBool | None = None


ExpectedActions = Annotated[list[ExpectedAction], Field(max_length=10)]


class GoldenExpectation(_Strict):
    top1_any: list[Slug] | None = Field(default=None, max_length=50)
    top3_includes: list[Slug] | None = Field(default=None, max_length=50)
    triage_any: list[TriageLevel] | None = Field(default=None, max_length=3)
    tips_absent: list[Slug] | None = Field(
        default=None,
        max_length=100,
        description="Tips the answer must not show (a contraindication the case guards).",
    )
    evidence_absent: list[EvidenceRef] | None = Field(
        default=None,
        max_length=100,
        description="Evidence the answer must not show (e.g. a silenced estimate).",
    )
    disposition_any: list[Disposition] | None = Field(default=None, max_length=5)
    conditions_include: list[Slug] | None = Field(default=None, max_length=50)
    conditions_exactly: list[Slug] | None = Field(
        default=None,
        max_length=50,
        description="The conditions the answer must suspect, all and only these ([]: none).",
    )
    expect_actions: Annotated[dict[Slug, ExpectedActions], _LocaleKeys()] | None = Field(
        default=None,
        max_length=100,
        description="Per tip id: the actions it must carry, in order, as a prefix of its "
        "actions (the tip must be shown).",
    )


class GoldenCase(_Strict):
    """A workout context with the result the content must keep producing."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$", max_length=80)]
    context: dict[str, Any] = Field(max_length=20)
    expect: GoldenExpectation


SynonymWord = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=60)]
SynonymMap = TypeAliasType(
    "SynonymMap",
    Annotated[
        dict[SynonymWord, AssociatedSymptom],
        _LocaleKeys(),
        Field(max_length=500, description="Word -> the symptom word it means."),
    ],
)

CounterfactualKey = Annotated[
    str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?(:[a-z]+)?$", max_length=100)
]


class Bundle(_Strict):
    """Everything one content version holds."""

    schema_version: Literal[1] = 1
    default_locale: Locale = "en"
    locales: list[Locale] = Field(
        default_factory=lambda: ["en"], min_length=1, max_length=MAX_LOCALES
    )
    partial_locales: list[Locale] = Field(default_factory=list, max_length=MAX_LOCALES)
    causes: list[Cause] = Field(min_length=1, max_length=500)
    tips: list[Tip] = Field(max_length=2000)
    faqs: list[Faq] = Field(max_length=500)
    rules: list[CauseRules] = Field(max_length=500)
    red_flags: list[RedFlag] = Field(max_length=200)
    conditions: list[MedicalCondition] = Field(
        default_factory=list,
        max_length=100,
        description="Must-not-miss conditions, most serious first.",
    )
    questions: list[FollowUpQuestion] = Field(max_length=200)
    triage_headlines: dict[TriageLevel, LocalizedText] = Field(max_length=3)
    disclaimer: LocalizedText
    disposition_headlines: dict[Disposition, LocalizedText] = Field(
        default_factory=dict,
        max_length=5,
        description="The headline when a condition is suspected, per disposition: `{title}` "
        "is the first condition's title, `{first_step}` its first first-aid step.",
    )
    unknown_symptom_headline: LocalizedText | None = Field(
        default=None,
        description="The headline when a symptom word could not be read and nothing else "
        "sends the person to care: `{words}` names the words.",
    )
    symptom_synonyms: Annotated[dict[Locale, SynonymMap], _LocaleKeys()] = Field(
        default_factory=dict,
        max_length=MAX_LOCALES,
        description="Per locale, words people use for a symptom (lowercase, accents removed, "
        "words joined by `_`) and the symptom word they mean.",
    )
    golden_cases: list[GoldenCase] = Field(default_factory=list, max_length=1000)
    counterfactual_texts: Annotated[dict[CounterfactualKey, LocalizedText], _LocaleKeys()] = Field(
        default_factory=dict,
        max_length=200,
        description="The messages of counterfactuals: `less_likely` and `unlikely` "
        "(placeholders `{change}`, `{cause}`), and per controllable field and direction "
        "(`hydration.fluid_intake_ml:more`, `...:less`; a yes/no field `:true`, `:false`) "
        "the change, with `{amount}` and `{unit}` for a number. A field without its text "
        "gets no counterfactual.",
    )


BUNDLE_KINDS: dict[str, str] = {
    # PATCH kind -> the attribute of each item that is its id
    "causes": "id",
    "tips": "id",
    "faqs": "id",
    "rules": "cause",
    "red_flags": "id",
    "conditions": "id",
}
