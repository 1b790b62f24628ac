"""The workout context's vocabularies: the enums its fields take, and the words read as them.

Activity types, fitness levels, symptom words, body parts, diabetes types and drug classes
are the API (the enums' values); generic drug names and symptom words in other spellings
are read as them here. Platform workout names and codes are in `app.workout.platforms`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ActivityType(StrEnum):
    RUNNING = "running"
    CYCLING = "cycling"
    WALKING = "walking"
    HIKING = "hiking"
    SWIMMING = "swimming"
    ROWING = "rowing"
    STRENGTH_TRAINING = "strength_training"
    HIIT = "hiit"
    TEAM_SPORT = "team_sport"
    YOGA = "yoga"
    OTHER = "other"


class FitnessLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class SymptomTiming(StrEnum):
    DURING = "during"
    AFTER = "after"
    BOTH = "both"


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class BodyPart(StrEnum):
    QUADRICEPS = "quadriceps"
    HAMSTRINGS = "hamstrings"
    CALVES = "calves"
    GLUTES = "glutes"
    SHINS = "shins"
    FEET = "feet"
    HIP_FLEXORS = "hip_flexors"
    ADDUCTORS = "adductors"
    KNEES = "knees"
    WHOLE_LEGS = "whole_legs"
    OTHER = "other"


class AssociatedSymptom(StrEnum):
    CHEST_PAIN = "chest_pain"
    FAINTING = "fainting"
    CONFUSION = "confusion"
    DARK_URINE = "dark_urine"
    ONE_SIDED_WEAKNESS = "one_sided_weakness"
    NUMBNESS = "numbness"
    SEVERE_HEADACHE = "severe_headache"
    DIFFICULTY_BREATHING = "difficulty_breathing"
    VOMITING = "vomiting"
    HIGH_BODY_TEMPERATURE = "high_body_temperature"
    DIZZINESS = "dizziness"
    PALPITATIONS = "palpitations"
    SEIZURE = "seizure"
    SEVERE_MUSCLE_PAIN = "severe_muscle_pain"
    MUSCLE_SWELLING = "muscle_swelling"
    FEVER = "fever"
    SHIVERING = "shivering"
    ONE_SIDED_NUMBNESS = "one_sided_numbness"
    CHEST_TIGHTNESS = "chest_tightness"
    SHORTNESS_OF_BREATH = "shortness_of_breath"
    WHEEZE = "wheeze"
    HIVES = "hives"
    THROAT_SWELLING = "throat_swelling"
    NAUSEA = "nausea"
    AGITATION = "agitation"
    HEAVY_SWEATING = "heavy_sweating"
    SLURRED_SPEECH = "slurred_speech"
    FACIAL_DROOP = "facial_droop"
    MUSCLE_RIGIDITY = "muscle_rigidity"


class Diabetes(StrEnum):
    NONE = "none"
    TYPE1 = "type1"
    TYPE2 = "type2"


class Medication(StrEnum):
    """Drug classes that cause tremor or change the risks of exercise (what rules read)."""

    BETA2_AGONIST = "beta2_agonist"  # reliever and controller inhalers: tremor
    STIMULANT = "stimulant"  # ADHD medicines, decongestants: tremor, fast heart
    THYROID_HORMONE = "thyroid_hormone"  # too high a dose: tremor
    LITHIUM = "lithium"
    VALPROATE = "valproate"
    SSRI = "ssri"
    SNRI = "snri"
    THEOPHYLLINE = "theophylline"
    CORTICOSTEROID = "corticosteroid"
    STATIN = "statin"  # muscle pain and, rarely, muscle breakdown
    DIURETIC = "diuretic"  # low sodium and potassium
    BETA_BLOCKER = "beta_blocker"  # blunts heart rate and the warning signs of a low
    INSULIN = "insulin"  # low blood sugar
    SULFONYLUREA = "sulfonylurea"  # low blood sugar
    OTHER = "other"


# Whose numeric workout code an `activity.type_code` is (the codes: app.workout.platforms).
class CodeSource(StrEnum):
    HEALTHKIT = "healthkit"
    HEALTH_CONNECT = "health_connect"


# --- Words in other spellings ---------------------------------------------------------------
# A drug name or a symptom word is keyed lowercase, its runs of other characters joined by
# `_` ("Opresión en el pecho" -> "opresion_en_el_pecho"); longer strings are not looked up.
WORD_SEPARATORS = r"[^a-z0-9]+"
WORD_JOINER = "_"
MEDICATION_NAME_MAX = 60
SYMPTOM_WORD_MAX = 200


# Common generic names, so an app can send what is on the box; each stands for its class.
_MEDICATION_NAMES: dict[Medication, tuple[str, ...]] = {
    Medication.BETA2_AGONIST: (
        "salbutamol",
        "albuterol",
        "levalbuterol",
        "terbutaline",
        "formoterol",
        "salmeterol",
        "vilanterol",
        "indacaterol",
        "olodaterol",
    ),
    Medication.STIMULANT: (
        "methylphenidate",
        "amphetamine",
        "dexamfetamine",
        "dextroamphetamine",
        "lisdexamfetamine",
        "modafinil",
        "pseudoephedrine",
        "ephedrine",
    ),
    Medication.THYROID_HORMONE: ("levothyroxine", "liothyronine", "thyroxine"),
    Medication.LITHIUM: ("lithium_carbonate",),
    Medication.VALPROATE: ("valproic_acid", "sodium_valproate", "divalproex"),
    Medication.SSRI: ("fluoxetine", "sertraline", "citalopram", "escitalopram", "paroxetine"),
    Medication.SNRI: ("venlafaxine", "duloxetine", "desvenlafaxine"),
    Medication.THEOPHYLLINE: ("aminophylline",),
    Medication.CORTICOSTEROID: (
        "prednisone",
        "prednisolone",
        "dexamethasone",
        "hydrocortisone",
        "methylprednisolone",
    ),
    Medication.STATIN: ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin"),
    Medication.DIURETIC: (
        "hydrochlorothiazide",
        "chlorthalidone",
        "indapamide",
        "furosemide",
        "bumetanide",
    ),
    Medication.BETA_BLOCKER: ("propranolol", "metoprolol", "atenolol", "bisoprolol"),
    Medication.INSULIN: (),
    Medication.SULFONYLUREA: ("gliclazide", "glimepiride", "glipizide", "glibenclamide"),
}
MEDICATION_ALIASES: dict[str, Medication] = {
    name: kind for kind in Medication for name in (kind.value, *_MEDICATION_NAMES.get(kind, ()))
}
"""Drug class or generic name (as `parse_medication` keys it) -> drug class."""
MEDICATIONS_HINT = (
    "use a drug class ("
    + ", ".join(kind.value for kind in Medication)
    + ") or a common generic name such as salbutamol, levothyroxine or sertraline"
)


def parse_medication(raw: Any) -> Any:
    """A drug class, or the class of a known generic name (case and separators ignored)."""
    if not isinstance(raw, str) or len(raw) > MEDICATION_NAME_MAX:
        return raw
    key = re.sub(WORD_SEPARATORS, WORD_JOINER, raw.lower()).strip(WORD_JOINER)
    return MEDICATION_ALIASES.get(key, raw)


SYMPTOM_WORDS: Mapping[str, str] = {word.value: word.value for word in AssociatedSymptom}
"""The symptom words as they are keyed (each its own key): what a spelling is read as."""


def normalise_word(word: str) -> str:
    """A symptom word as synonyms are keyed: lowercase, accents removed, words joined by `_`
    ("Opresión en el pecho" -> "opresion_en_el_pecho")."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii")
    return re.sub(WORD_SEPARATORS, WORD_JOINER, plain.lower()).strip(WORD_JOINER)
