"""The lenient reader leaves out exactly the bad parts of a body and reports each one."""

from __future__ import annotations

from typing import Any

from app.workout.lenient import IssueCode, as_warnings, read_leniently

RUN = {"type": "running", "duration_min": 45}


def test_a_valid_body_reads_without_issues() -> None:
    read = read_leniently({"activity": RUN, "environment": {"temperature_c": 21}})
    assert read.context is not None and read.issues == () and read.fatal == ()


def test_only_the_bad_entry_of_a_list_is_left_out() -> None:
    body: dict[str, Any] = {
        "activity": RUN,
        "symptoms": {"associated": ["vomiting", "hiccups", "chest_pain"], "body_parts": ["tail"]},
    }
    read = read_leniently(body)
    assert read.context is not None
    assert read.context.symptoms.associated == ["vomiting", "chest_pain"]
    assert read.context.symptoms.body_parts is None or read.context.symptoms.body_parts == []
    codes = {(i.field, i.code) for i in read.issues}
    assert codes == {
        ("symptoms.associated", IssueCode.unknown_symptom),
        ("symptoms.body_parts", IssueCode.invalid_value_ignored),
    }
    assert body["symptoms"]["associated"] == ["vomiting", "hiccups", "chest_pain"]  # untouched


def test_a_symptom_sent_as_a_word_or_repeated_is_not_lost() -> None:
    word = read_leniently({"activity": RUN, "symptoms": {"associated": "chest_pain"}})
    assert word.context is not None and word.context.symptoms.associated == ["chest_pain"]
    repeated = read_leniently({"activity": RUN, "symptoms": {"associated": ["fainting"] * 500}})
    assert repeated.context is not None
    assert repeated.context.symptoms.associated == ["fainting"]


def test_a_missing_duration_is_fatal_but_leaves_a_context_for_the_red_flags() -> None:
    read = read_leniently(
        {"activity": {"type": "cycling"}, "symptoms": {"associated": ["confusion"]}}
    )
    assert read.context is None
    assert [error["loc"] for error in read.fatal] == [("activity", "duration_min")]
    assert read.for_red_flags is not None
    assert read.for_red_flags.symptoms.associated == ["confusion"]
    assert read.for_red_flags.activity.duration_min == 1  # the stand-in: no flag of its own


def test_a_body_that_is_not_an_object_has_nothing_to_read() -> None:
    read = read_leniently([1, 2])
    assert read.context is None and read.for_red_flags is None and read.fatal


def test_warnings_have_the_answer_shape_and_fall_back_to_english() -> None:
    read = read_leniently({"activity": RUN, "extra": 1})
    warnings = as_warnings(read.issues, "fr")
    assert warnings == [
        {
            "field": "extra",
            "code": "unknown_field",
            "message": "This field is not one we know, so it was left out.",
        }
    ]
