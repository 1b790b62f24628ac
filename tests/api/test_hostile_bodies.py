"""Hostile bodies cost nearly nothing (issue 27, defect 7): deep nesting is a 422 naming the
field or a field left out with a warning, never a 500; a megabyte of unknown fields answers a
few warnings, and the reader's work does not grow with them."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.api import assessments
from app.api.assessments import MAX_BODY_VALUES, TOO_MANY_VALUES
from app.workout import lenient
from app.workout.lenient import MAX_LISTED, IssueCode, read_leniently

RUN = {"type": "running", "duration_min": 60}
JSON = {"content-type": "application/json"}


def nested(depth: int, as_object: bool) -> bytes:
    if as_object:
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth + b"]" * depth


def body_with(path: list[str], value: bytes) -> bytes:
    """A valid body (with chest pain, unless `value` replaces it) and `value` at `path`
    (one or two names), written as raw JSON text: no parser's recursion limit on the way."""
    chest_pain = b'"associated": ["chest_pain"]'
    section = path[0].encode()
    if len(path) == 2:
        inner = b'"' + path[1].encode() + b'": ' + value
        value = b"{" + (inner if path[1] == "associated" else chest_pain + b", " + inner) + b"}"
    head = b'{"activity": {"type": "running", "duration_min": 60}'
    if path[0] == "symptoms":
        return head + b', "symptoms": ' + value + b"}"
    return head + b', "symptoms": {' + chest_pain + b'}, "' + section + b'": ' + value + b"}"


def many_unknown_fields(size: int) -> tuple[dict[str, Any], bytes]:
    body: dict[str, Any] = {"activity": RUN, "symptoms": {"associated": ["chest_pain"]}}
    count = 0
    while len(orjson.dumps(body)) < size:
        body.update({f"field_{count + i}": i for i in range(100)})
        count += 100
    return body, orjson.dumps(body)


@pytest.mark.parametrize("depth", [600, 10_000])
@pytest.mark.parametrize("as_object", [False, True], ids=["lists", "objects"])
@pytest.mark.parametrize(
    "path",
    [["extra"], ["symptoms", "extra"], ["environment"], ["environment", "temperature_c"]],
    ids=".".join,
)
@pytest.mark.parametrize("query", ["", "?strict=true"])
def test_deep_nesting_is_never_a_500(
    api: TestClient, depth: int, as_object: bool, path: list[str], query: str
) -> None:
    response = api.post(
        f"/v1/assessments{query}", content=body_with(path, nested(depth, as_object)), headers=JSON
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        warned = {w["field"] for w in response.json()["warnings"]}
        assert any(field.startswith(".".join(path)) for field in warned), warned
        assert response.json()["triage"]["reasons"]  # the chest pain still counts
    else:
        named = [e["loc"] for e in response.json()["errors"]]
        assert named and all(loc.startswith(".".join(path)) or loc == "body" for loc in named)


def test_a_deep_symptom_list_is_refused_by_name_not_dropped(api: TestClient) -> None:
    """The symptom list may name a red flag: too large to read, it is a 422, never ignored."""
    response = api.post(
        "/v1/assessments",
        content=body_with(["symptoms", "associated"], nested(600, False)),
        headers=JSON,
    )
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == ["symptoms.associated"]


def test_a_deep_batch_item_is_never_a_500(api: TestClient) -> None:
    item = body_with(["extra"], nested(600, True))
    response = api.post(
        "/v1/assessments:batch", content=b'{"items": [' + item + b"]}", headers=JSON
    )
    assert response.status_code in (200, 422), response.text


@pytest.mark.parametrize("query", ["", "?strict=true"])
@pytest.mark.parametrize("route", ["/v1/assessments", "/v1/assessments:batch"])
def test_a_megabyte_of_unknown_fields_is_refused_unparsed(
    api: TestClient, query: str, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More values than MAX_BODY_VALUES: a 422 naming the body, and no parser ever runs."""
    parsed: list[int] = []
    monkeypatch.setattr(assessments.orjson, "loads", lambda data: parsed.append(1))
    _fields, body = many_unknown_fields(1_048_576 - 4096)
    if route.endswith(":batch"):
        body = b'{"items": [' + body + b"]}"
    response = api.post(f"{route}{query}", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"loc": "body", "message": TOO_MANY_VALUES}]
    assert len(response.content) < 1024  # was 5.3 MB
    assert parsed == []


def test_a_megabyte_of_nested_lists_is_refused_unparsed(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few commas, half a million lists (200 ms to parse): counted by its brackets too."""
    parsed: list[int] = []
    monkeypatch.setattr(assessments.orjson, "loads", lambda data: parsed.append(1))
    deep = b"[" * 1000 + b"]" * 1000
    body = body_with(["extra"], b"[" + b",".join([deep] * 500) + b"]")
    assert body.count(b",") < MAX_BODY_VALUES
    response = api.post("/v1/assessments", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"loc": "body", "message": TOO_MANY_VALUES}]
    assert parsed == []


@pytest.mark.parametrize("query", ["", "?strict=true"])
def test_thousands_of_unknown_fields_answer_a_few_warnings(api: TestClient, query: str) -> None:
    fields, body = many_unknown_fields(100_000)
    assert body.count(b",") < MAX_BODY_VALUES
    response = api.post(f"/v1/assessments{query}", content=body, headers=JSON)
    assert len(response.content) < 16_384  # was some 50 times the body's size
    unknown = len(fields) - 2
    if not query:
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["triage"]["reasons"]
        left_out = [w for w in answer["warnings"] if w["code"] == "unknown_field"]
        [more] = [w for w in answer["warnings"] if w["code"] == "more_left_out"]
        assert len(left_out) == MAX_LISTED
        assert f"{unknown - MAX_LISTED} more fields" in more["message"]
    else:
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert len(errors) == MAX_LISTED + 1
        more = f"{unknown - MAX_LISTED} more errors not listed"
        assert errors[-1] == {"loc": "body", "message": more}


def test_the_readers_work_does_not_grow_with_unknown_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted, not timed: every validation sees the known sections and at most MAX_LISTED
    unknown names, and at most MAX_LISTED + 1 issues are made, whatever the body holds."""
    validated: list[int] = []
    real = lenient.WorkoutContext

    class Counting:
        model_fields = real.model_fields

        @staticmethod
        def model_validate(data: Any) -> Any:
            validated.append(len(data) + sum(len(v) for v in data.values() if isinstance(v, dict)))
            return real.model_validate(data)

    monkeypatch.setattr(lenient, "WorkoutContext", Counting)
    issues_made: list[int] = []
    real_issue = lenient.InputIssue

    def counting_issue(*args: Any) -> Any:
        issues_made.append(1)
        return real_issue(*args)

    monkeypatch.setattr(lenient, "InputIssue", counting_issue)
    fields, _ = many_unknown_fields(1_048_576)
    fields["symptoms"] = {"associated": ["chest_pain"], **{f"s{i}": 1 for i in range(10_000)}}
    read = read_leniently(fields)
    assert read.context is not None and read.context.symptoms.associated == ["chest_pain"]
    assert len(read.issues) == MAX_LISTED + 1
    assert read.issues[-1].code is IssueCode.more_left_out
    assert int(read.issues[-1].value or 0) == len(fields) - 2 + 10_000 - MAX_LISTED
    assert validated and len(validated) <= 3
    assert max(validated) <= len(lenient.SECTION_FIELDS) + 2 * MAX_LISTED + 3
    assert len(issues_made) <= 3 * MAX_LISTED + 1
