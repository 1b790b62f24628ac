"""The answer of POST /v1/assessments, exactly as the v1 contract names it.

The engine writes answers as plain data in exactly this shape and serialises them itself; these
models document the shape in the spec and let tests validate it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from app.rules.bundle import ActionKind, ActionUnit, ActionWhen, Disposition, TriageLevel

Effect = Literal["raises", "lowers"]
Confidence = Literal["high", "medium", "low"]
# Declared without a `type` in the spec: an anyOf of scalars becomes an empty class in the
# Kotlin and Swift generators (gson then fails on a number), while a schema without a type is
# their "any JSON value" (JsonElement / Any, AnyCodable). `display_value` is the typed string.
EvidenceValue = Annotated[
    float | int | bool | str | list[str] | None,
    WithJsonSchema({}),
]


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class TriageReason(_Response):
    """A red flag that was found in the answers."""

    code: str = Field(description="Stable id of the red flag, e.g. `chest_pain`.")
    message: str = Field(description="Which answer triggered it and why it matters.")


class SuspectedCondition(_Response):
    """A must-not-miss condition the answer suspects, with what to do now."""

    id: str = Field(description="Stable condition id, e.g. `exertional_heat_illness`.")
    title: str = Field(description="Its short name.")
    summary: str = Field(description="What is probably happening and why it matters.")
    first_aid: list[str] = Field(description="What to do now, in order.")
    avoid: list[str] = Field(description='What not to do (e.g. "Do not drink more water.").')


class Triage(_Response):
    """How soon to seek care, decided before and independently of the cause ranking."""

    level: TriageLevel = Field(
        description="`self_care` (typical, benign), `consult` (see a clinician soon) or "
        "`urgent` (seek care now)."
    )
    disposition: Disposition = Field(
        description="Where to go and how soon; agrees with `level` (`self_care`; "
        "`see_clinician_soon` or `see_clinician_today` for `consult`; `emergency_department` "
        "or `call_emergency_number` for `urgent`)."
    )
    headline: str = Field(
        description="What to do now: for the first suspected condition its first-aid step, "
        "else one-sentence advice for this level."
    )
    reasons: list[TriageReason] = Field(
        description="The red flags found, most severe first; empty for `self_care`."
    )
    conditions: list[SuspectedCondition] = Field(
        description="The must-not-miss conditions suspected, most serious first; empty when "
        "none. When not empty, the tips are only those that fit the first one."
    )


class Evidence(_Response):
    """One fact from the workout that moved a cause's score."""

    field: str = Field(
        description="Context field the fact is about, e.g. `hydration.fluid_intake_ml`."
    )
    value: EvidenceValue = Field(
        description=(
            "The value of that field in this context, as JSON: a number (31, 2.5), a boolean, "
            "a string (an enum value such as `during`), a list of strings "
            '(`["quadriceps", "calves"]`) or null; any JSON value, so clients decode it as one '
            "(JsonElement, AnyCodable). `display_value` is the same as a string."
        )
    )
    display_value: str = Field(
        description=(
            "`value` as a short human string: `31`, `2.5`, `true`, `during`, "
            "`quadriceps, calves`; empty when the field was not given."
        )
    )
    effect: Effect = Field(description="Whether the fact made the cause more or less likely.")
    weight: float = Field(description="Contribution to the cause's log-odds (signed, 3 decimals).")
    message: str = Field(description="Why this fact matters, in the user's language.")


class Counterfactual(_Response):
    """One change the user controls next time that would have lowered the cause's score."""

    field: str = Field(description="The field to change, e.g. `hydration.fluid_intake_ml`.")
    from_: EvidenceValue = Field(
        alias="from", description="Its value in this workout (a number or a boolean)."
    )
    to: EvidenceValue = Field(description="The value that would have lowered the score most.")
    score_after: float = Field(
        ge=0, le=1, description="The cause's score with only this change (3 decimals)."
    )
    message: str = Field(description="The change in words, in the user's language.")


class RankedCause(_Response):
    """A possible cause of the shaking, ranked by how well it fits the workout."""

    id: str = Field(description="Stable cause id, e.g. `dehydration`.")
    rank: int = Field(ge=1, description="1 = most likely.")
    score: float = Field(ge=0, le=1, description="How strongly the workout points to it, 0 to 1.")
    confidence: Confidence = Field(
        description=(
            "How complete the inputs this cause reads were (`high`: most were sent, `low`: "
            "few), NOT how likely the cause is: that is `score`. A `high` confidence on a low "
            "score means the data were there and they speak against the cause."
        )
    )
    title: str = Field(description="Short name of the cause.")
    summary: str = Field(description="One or two sentences for a list view.")
    explanation: str = Field(description="The physiology, in plain language.")
    evidence: list[Evidence] = Field(description="The facts that moved the score, strongest first.")
    counterfactuals: list[Counterfactual] = Field(
        description=(
            "Up to 3 changes of one controllable field (fluids, food, warm-up, pacing, load, "
            "sleep) that would have lowered this score most, largest drop first. Worked out "
            "only with `?explain=counterfactuals`; otherwise always empty, and empty on an "
            "urgent answer (prevention waits). None gives advice the content contraindicates "
            'for this workout (no "drink more" after drinking more than was sweated).'
        )
    )


class Action(_Response):
    """Something a tip asks for, sized for this workout, that an app can set a reminder for."""

    kind: ActionKind
    amount: float | None = Field(
        description="How much, in `unit` (per hour when `per_hour`); null when nothing to size."
    )
    unit: ActionUnit | None = Field(description="The unit of `amount`; null without an amount.")
    when: ActionWhen
    offset_min: int = Field(
        description="Minutes from the start of `when`: before the session for `before`, from "
        "its start for `during`, from its end for `after`."
    )
    per_hour: bool = Field(description="Whether `amount` is a rate per hour of the session.")


class RankedTip(_Response):
    """A prevention tip, ranked by how much of the likely causes it addresses."""

    id: str = Field(description="Stable tip id.")
    rank: int = Field(ge=1, description="1 = most useful for this workout.")
    title: str = Field(description="Short imperative title.")
    body: str = Field(description="What to do and why.")
    addresses: list[str] = Field(description="Ids of the causes this tip helps with.")
    actions: list[Action] = Field(
        description="What to schedule, worked out from this workout; empty when the tip has "
        "nothing to schedule. On an urgent answer the first tip's first action is "
        "`see_clinician`."
    )


class FollowUp(_Response):
    """A missing answer that would most sharpen the ranking."""

    field: str = Field(
        description="The context field to fill in, e.g. `environment.temperature_c`."
    )
    question: str = Field(description="The question to ask the user.")


class InputWarning(_Response):
    """A value that was accepted but is unusual enough to deserve a second look."""

    field: str = Field(description="The context field concerned, e.g. `environment.temperature_c`.")
    code: str = Field(description="Stable id of the check, e.g. `temperature_very_high`.")
    message: str = Field(
        description="What looks unusual and what to check, in the user's language."
    )


class AssessmentResponse(_Response):
    """Ranked causes, evidence, tips and triage for one workout."""

    kind: Literal["assessment"] = Field(
        description=(
            "Always `assessment`: tells an answer from a problem among a batch's `results` "
            "(the discriminator of that list)."
        )
    )
    assessment_id: str = Field(
        description=(
            "Id of this answer (a signed token, URL-safe): send feedback to "
            "POST /v1/assessments/{assessment_id}/feedback."
        )
    )
    content_version: int = Field(description="The content version that produced the answer.")
    locale: str = Field(description="The language of the texts.")
    triage: Triage = Field(description="How soon to seek care.")
    causes: list[RankedCause] = Field(description="Likely causes ordered by rank.")
    tips: list[RankedTip] = Field(description="Prevention tips ordered by rank.")
    follow_up_questions: list[FollowUp] = Field(
        description="Questions whose answers would most change the ranking (may be empty)."
    )
    disclaimer: str = Field(description="This is general information, not medical advice.")
    normalized_context: dict[str, dict[str, Any]] = Field(
        description=(
            "The workout as understood, by section: only the fields that were given (or "
            "derived from another form), all in SI units and minutes; `temperature_f`, "
            "`distance_mi`, `duration_s`, `distance_m` and the other alternative-unit fields "
            "appear as their SI counterparts, a platform's workout name or `type_code` as our "
            "`type` (Strava `Ride` with `duration_s` 12600 and `distance_m` 95000 reads "
            '`{"activity": {"type": "cycling", "duration_min": 210, "distance_km": 95}}`), and '
            "a field left out with a warning is absent. Always present: it is collected in "
            "the same pass that reads the context for the rules, so it costs the answer "
            "nothing extra."
        )
    )
    warnings: list[InputWarning] = Field(
        description=(
            "Accepted but unusual values, often a unit mix-up, and fields left out (usually "
            "empty). At most 20 fields left out are listed; one more, `more_left_out` with an "
            "empty `field`, counts the rest."
        )
    )
    fallback_items: list[str] = Field(
        description=(
            "Texts of this answer that are not available in `locale` and are given in the "
            "content's default locale instead, as `kind:id` (e.g. `causes:dehydration`, "
            "`signals:dehydration.heat`, `red_flags:chest_pain`, "
            "`questions:environment.temperature_c`, `warnings:temperature_very_high`); "
            "empty when everything is translated."
        )
    )
