"""Fail-safe reading of a workout context: a bad optional field never costs the answer.

The strict one-pass parse (`WorkoutContext.model_validate_json`) serves every valid body.
Only when it fails is the body read again here: each optional field that is unknown or
invalid is left out and reported, and validation is repeated until what is left is valid.
Symptoms are never dropped wholesale (only the one bad entry), so no other section can hide
a red flag. When a required part (`activity.type`, `activity.duration_min`) is unusable the
context cannot be assessed, but a stand-in activity still lets the red flags be checked.

A hostile body costs little (README, "Limits of a body"): the body is never deep-copied.
Only the fields the schema knows are copied, each refused beyond `MAX_DEPTH` levels or
`MAX_ITEMS` entries before it is copied; of the unknown fields of an object only the first
`MAX_LISTED` are looked at (by name, their values never), the rest are counted; and at most
`MAX_LISTED` issues are listed, one more counting those left unlisted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.workout.context import WorkoutContext
from app.workout.vocabulary import SYMPTOM_WORD_MAX, SYMPTOM_WORDS, normalise_word

MAX_ROUNDS = 12  # each round leaves out at least one field; real bodies need one or two
MAX_DEPTH = 8  # levels of nesting in a body; the schema needs three (activity.type_code.code)
MAX_ITEMS = 1000  # entries (keys and list items, all levels) in one known field's value
MAX_LISTED = 20  # issues listed; the rest are counted in one more (IssueCode.more_left_out)
MAX_NAME_SHOWN = 100  # characters of a field's name a warning or an error repeats
REQUIRED: frozenset[tuple[str, ...]] = frozenset(
    {("activity",), ("activity", "type"), ("activity", "duration_min")}
)
# Stands in for an unusable activity when only the red flags are wanted: the shortest
# session of no particular kind, so no flag fires on account of the stand-in itself.
STAND_IN_ACTIVITY: dict[str, Any] = {"type": "other", "duration_min": 1}
SYMPTOM_LIST = ("symptoms", "associated")
# An unknown symptom word is named back only when it is plainly a word: never markup.
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,39}")
# The names each section knows (alternative units included: they are fields too).
SECTION_FIELDS: dict[str, frozenset[str]] = {
    name: frozenset(info.annotation.model_fields)  # type: ignore[union-attr]
    for name, info in WorkoutContext.model_fields.items()
}
TOO_LARGE = f"is nested deeper than {MAX_DEPTH} levels or holds more than {MAX_ITEMS} entries"


class IssueCode(StrEnum):
    unknown_field = "unknown_field"
    invalid_value_ignored = "invalid_value_ignored"
    unknown_symptom = "unknown_symptom"
    more_left_out = "more_left_out"  # how many issues went unlisted, in `value`


@dataclass(frozen=True, slots=True)
class InputIssue:
    """One field left out of the assessment, and why."""

    field: str
    code: IssueCode
    reason: str  # pydantic's explanation (English), for the problem of a strict request
    value: str | None = None  # only for an unknown symptom word, to name it back


@dataclass(frozen=True, slots=True)
class LenientRead:
    """What could be made of a body: the context (None when a required part is unusable),
    the fields left out, the errors that stop an assessment, and a context good enough for
    the red-flag check in any case."""

    context: WorkoutContext | None
    issues: tuple[InputIssue, ...]
    fatal: tuple[ErrorDetails, ...]
    for_red_flags: WorkoutContext | None


def read_leniently(data: Any, synonyms: Mapping[str, str] | None = None) -> LenientRead:
    """Leave out what is wrong, keep what is right (see the module docstring); a symptom
    word is read as the symptom it names in any case or spelling, or as the one `synonyms`
    (normalised word -> symptom word) maps it to."""
    if not isinstance(data, dict):
        try:
            WorkoutContext.model_validate(data)
        except ValidationError as exc:
            return LenientRead(None, (), tuple(exc.errors()[:MAX_LISTED]), None)
    bounded = _bounded_body(data)
    body = bounded.body
    _symptom_word_as_list(body, synonyms or {})
    issues: list[InputIssue] = list(bounded.left_out)
    fatal: list[ErrorDetails] = list(bounded.fatal)
    errors: list[ErrorDetails] = []
    for _ in range(MAX_ROUNDS):
        try:
            context = WorkoutContext.model_validate(body)
        except ValidationError as exc:
            errors = exc.errors()
        else:
            listed = _listed(issues, bounded.unlisted)
            if fatal:
                return LenientRead(None, listed, tuple(fatal), context)
            return LenientRead(context, listed, (), context)
        removable = []
        for error in errors:
            loc = tuple(str(part) for part in error["loc"])
            if _is_required(loc, error):
                fatal.append(error)
                _stand_in(body, loc)
            else:
                removable.append((error["loc"], error))
        if not removable and not fatal:
            break
        # Deepest and highest list index first, so removing one entry moves no other.
        for loc_path, error in sorted(removable, key=lambda item: _sort_key(item[0]), reverse=True):
            issue = _leave_out(body, loc_path, error)
            if issue is not None:
                issues.append(issue)
    listed = _listed(issues, bounded.unlisted)
    return LenientRead(None, listed, tuple(fatal) or tuple(errors[:MAX_LISTED]), None)


def _listed(issues: list[InputIssue], unlisted: int) -> tuple[InputIssue, ...]:
    """The first MAX_LISTED issues, and one counting the rest when there are more."""
    more = unlisted + max(len(issues) - MAX_LISTED, 0)
    if not more:
        return tuple(issues)
    count = InputIssue("", IssueCode.more_left_out, f"{more} more not listed", str(more))
    return (*issues[:MAX_LISTED], count)


@dataclass(frozen=True, slots=True)
class _Bounded:
    body: dict[str, Any]  # what may be validated: known fields (copied) and listed unknown ones
    left_out: tuple[InputIssue, ...]  # known optional fields too large to look at
    fatal: tuple[ErrorDetails, ...]  # required fields too large to look at
    unlisted: int  # unknown fields beyond MAX_LISTED in their object, only counted


class _TooLarge(Exception):
    pass


def _bounded_copy(value: Any, depth_left: int, budget: list[int]) -> Any:
    """A copy of a JSON value; _TooLarge, before anything is copied below it, when it nests
    deeper than `depth_left` or holds more entries than `budget` has left."""
    if isinstance(value, dict | list):
        budget[0] -= len(value)
        if depth_left <= 0 or budget[0] < 0:
            raise _TooLarge
        if isinstance(value, list):
            return [_bounded_copy(item, depth_left - 1, budget) for item in value]
        return {key: _bounded_copy(item, depth_left - 1, budget) for key, item in value.items()}
    return value


def _unknown_names(container: dict[str, Any], known: frozenset[str]) -> tuple[list[str], int]:
    """The first MAX_LISTED names `known` lacks, and how many more there are; only their
    names are read (the count comes from the sizes, so 100,000 of them cost no loop)."""
    present = len(known.intersection(container))
    listed = list(islice((name for name in container if name not in known), MAX_LISTED))
    return listed, len(container) - present - len(listed)


def _bounded_body(data: dict[str, Any]) -> _Bounded:
    """The part of the body worth validating (see the module docstring): each known field
    copied within the bounds, each listed unknown one kept by name only (None stands for its
    value, so validation still reports it where it stands), the others counted."""
    body: dict[str, Any] = {}
    left_out: list[InputIssue] = []
    fatal: list[ErrorDetails] = []
    unknown, unlisted = _unknown_names(data, frozenset(SECTION_FIELDS))

    def copy_into(target: dict[str, Any], key: str, value: Any, loc: tuple[str, ...]) -> None:
        try:
            target[key] = _bounded_copy(value, MAX_DEPTH - len(loc), [MAX_ITEMS])
        except _TooLarge:
            _too_large(body, loc, left_out, fatal)

    for name, fields in SECTION_FIELDS.items():
        if name not in data:
            continue
        section = data[name]
        if not isinstance(section, dict):
            copy_into(body, name, section, (name,))  # validation says what is wrong with it
            continue
        names, more = _unknown_names(section, fields)
        unlisted += more
        body[name] = dict.fromkeys(names)
        for key in sorted(fields.intersection(section)):
            copy_into(body[name], key, section[key], (name, key))
    body.update(dict.fromkeys(unknown))
    return _Bounded(body, tuple(left_out), tuple(fatal), unlisted)


def _too_large(
    body: dict[str, Any],
    loc: tuple[str, ...],
    left_out: list[InputIssue],
    fatal: list[ErrorDetails],
) -> None:
    """A known field too large to look at: left out when optional; a 422 when required or a
    symptom list (whose entries may name a red flag: never dropped whole)."""
    if loc in REQUIRED or loc[:2] == SYMPTOM_LIST:
        fatal.append({"type": "too_large", "loc": loc, "msg": TOO_LARGE, "input": None})
        if loc in REQUIRED:
            _stand_in(body, loc)
        return
    if len(loc) == 1:
        body.pop(loc[0], None)
    left_out.append(InputIssue(".".join(loc), IssueCode.invalid_value_ignored, TOO_LARGE))


def name_symptom_words(data: Any, synonyms: Mapping[str, str]) -> Any | None:
    """The body with its symptom words read as the symptoms they name (any case or spelling,
    or a synonym), nothing else changed; None when there was nothing to rename. For a strict
    request: a symptom said in other words is not an unknown word."""
    symptoms = data.get("symptoms") if isinstance(data, dict) else None
    if not isinstance(symptoms, dict):
        return None
    words = symptoms.get("associated")
    if not isinstance(words, list):
        return None
    named = [_known_word(w, synonyms) if isinstance(w, str) else w for w in words]
    if named == words:
        return None
    return {**data, "symptoms": {**symptoms, "associated": named}}


def _symptom_word_as_list(body: dict[str, Any], synonyms: Mapping[str, str]) -> None:
    """Never lose the symptom list to its shape or its words: `"associated": "chest_pain"` is
    a list of one, "Chest pain" and a synonym are the symptom they name, and a list that
    repeats words (beyond the length limit) counts each word once."""
    symptoms = body.get("symptoms")
    if not isinstance(symptoms, dict):
        return
    associated = symptoms.get("associated")
    if isinstance(associated, str):
        associated = [associated]
    if isinstance(associated, list):
        words = [_known_word(w, synonyms) for w in associated if isinstance(w, str)]
        others = [w for w in associated if not isinstance(w, str)]
        symptoms["associated"] = [*dict.fromkeys(words), *others]


def _known_word(word: str, synonyms: Mapping[str, str]) -> str:
    if word in SYMPTOM_WORDS or len(word) > SYMPTOM_WORD_MAX:
        return word
    key = normalise_word(word)
    return SYMPTOM_WORDS.get(key) or synonyms.get(key) or word


def _is_required(loc: tuple[str, ...], error: ErrorDetails) -> bool:
    if loc in REQUIRED or not loc:
        return True
    return loc[0] == "activity" and len(loc) == 1 and error["type"] != "extra_forbidden"


def _stand_in(body: dict[str, Any], loc: tuple[str, ...]) -> None:
    """Put a stand-in where a required part is unusable, so the rest can still be read."""
    activity = body.get("activity")
    if not isinstance(activity, dict) or len(loc) <= 1:
        body["activity"] = dict(STAND_IN_ACTIVITY)
        return
    activity[loc[1]] = STAND_IN_ACTIVITY[loc[1]]


def _sort_key(loc: tuple[int | str, ...]) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in loc)


def _holds(container: Any, key: int | str) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container)


def _leave_out(
    body: dict[str, Any], loc: tuple[int | str, ...], error: ErrorDetails
) -> InputIssue | None:
    """Remove the value at `loc` from `body`; the issue that reports it."""
    # Tagged wrappers ("function-after[...]") name validators, not fields.
    path = [part for part in loc if not (isinstance(part, str) and "[" in part)]
    if error["type"] == "missing" and len(path) > 2:
        # A part missing from an optional object (`activity.type_code.code`): the object
        # cannot be used, so it is left out whole; the missing part itself cannot be popped.
        path = path[:-1]
    if not path:
        return None
    parent: Any = body
    for part in path[:-1]:
        if not _holds(parent, part):
            return None
        parent = parent[part]
    if not _holds(parent, path[-1]):
        return None
    value = parent.pop(path[-1])
    is_symptom = tuple(path[:2]) == SYMPTOM_LIST and len(path) == 3
    # A list entry is reported on its list: apps know fields, not positions.
    named = path[:-1] if isinstance(path[-1], int) else path
    field = ".".join(str(part) for part in named)
    if error["type"] == "extra_forbidden":
        return InputIssue(field, IssueCode.unknown_field, error["msg"])
    if is_symptom:
        word = value if isinstance(value, str) and _PLAIN_WORD.fullmatch(value) else None
        return InputIssue(field, IssueCode.unknown_symptom, error["msg"], word)
    return InputIssue(field, IssueCode.invalid_value_ignored, error["msg"])


_MESSAGES: dict[str, dict[IssueCode, str]] = {
    "en": {
        IssueCode.unknown_field: "This field is not one we know, so it was left out.",
        IssueCode.invalid_value_ignored: (
            "This value could not be used ({reason}), so the field was left out."
        ),
        IssueCode.unknown_symptom: (
            "We do not know the symptom {value}, so it was left out. If it worries you, "
            "ask a doctor."
        ),
        IssueCode.more_left_out: "{count} more fields were left out; they are not listed.",
    },
    "es": {
        IssueCode.unknown_field: "No conocemos este campo, así que no se ha tenido en cuenta.",
        IssueCode.invalid_value_ignored: (
            "Este valor no se pudo usar, así que el campo no se ha tenido en cuenta."
        ),
        IssueCode.unknown_symptom: (
            "No conocemos el síntoma {value}, así que no se ha tenido en cuenta. Si te "
            "preocupa, consulta a un médico."
        ),
        IssueCode.more_left_out: ("No se han tenido en cuenta {count} campos más; no se enumeran."),
    },
}


def issue_message(issue: InputIssue, locale: str) -> str:
    """The issue's text in `locale` (its language part), else in English."""
    messages = _MESSAGES.get(locale.split("-", 1)[0].lower(), _MESSAGES["en"])
    value = f"'{issue.value}'" if issue.value else {"es": "indicado"}.get(locale[:2], "you named")
    count = issue.value or ""
    return messages[issue.code].format(reason=issue.reason.lower(), value=value, count=count)


def as_warnings(issues: tuple[InputIssue, ...], locale: str) -> list[dict[str, str]]:
    """The issues in the shape of an answer's `warnings`."""
    return [
        {
            "field": _shown(issue.field),
            "code": issue.code.value,
            "message": issue_message(issue, locale),
        }
        for issue in issues
    ]


def _shown(name: str) -> str:
    """A field's name as a warning names it: a name of a megabyte is not echoed whole."""
    return name if len(name) <= MAX_NAME_SHOWN else name[:MAX_NAME_SHOWN] + "…"


def as_errors(
    fatal: tuple[ErrorDetails, ...], issues: tuple[InputIssue, ...]
) -> list[ErrorDetails]:
    """The fatal errors and the issues as one list of errors, as long as a warning list."""
    listed = [issue for issue in issues if issue.code is not IssueCode.more_left_out]
    unlisted = sum(int(i.value or 0) for i in issues if i.code is IssueCode.more_left_out)
    errors = list(fatal[:MAX_LISTED])
    for issue in listed[: MAX_LISTED - len(errors)]:
        loc = (_shown(issue.field),)
        errors.append({"type": issue.code.value, "loc": loc, "msg": issue.reason, "input": None})
    unlisted += len(fatal) + len(listed) - len(errors)
    if unlisted > 0:
        more = f"{unlisted} more errors not listed"
        errors.append({"type": "more_left_out", "loc": ("body",), "msg": more, "input": None})
    return errors
