"""The access log: one JSON line per request, lines of a loop turn written together, atomically."""

from __future__ import annotations

import asyncio
import calendar
import json
import logging
import re
import select
import time
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.core import logging as access_logging
from app.core.config import Settings
from app.core.logging import PIPE_BUF, AccessLog
from app.main import create_app

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
FIELDS = {"ts", "level", "logger", "message", "request_id", "method", "path", "route", "status"}
WORKOUT = {"activity": {"type": "running", "duration_min": 30}}


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Each chunk AccessLog hands to the one `os.write(2, ...)` call, in order."""
    chunks: list[bytes] = []
    monkeypatch.setattr(access_logging, "_write_stderr", chunks.append)
    return chunks


def lines_of(chunks: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in b"".join(chunks).splitlines()]


def fields(
    n: int, pad: int = 0, path: str = "/v1/assessments"
) -> tuple[str, str, str, str, int, float]:
    """The arguments of one `AccessLog.write`: request id, method, path, route, status, ms."""
    return (f"r-{n}", "POST", path + "x" * pad, "/v1/assessments", 200, 0.25)


@pytest.fixture
def app_client(settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    stack = ExitStack()

    def start(level: str) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update={"log_level": level})))
        return stack.enter_context(client)

    with stack:
        yield start


def run_a_loop_turn(client: TestClient) -> None:
    """Let the app's event loop run the flush it scheduled (callbacks run in order)."""
    assert client.portal is not None
    client.portal.call(asyncio.sleep, 0)


# -- through the app ---------------------------------------------------------------------------


def test_one_json_line_per_request_with_the_documented_fields(
    app_client: Callable[[str], TestClient], written: list[bytes]
) -> None:
    client = app_client("INFO")
    ok = client.post("/v1/assessments", json=WORKOUT, headers={"X-Request-ID": "log-1"})
    missing = client.get("/v1/nowhere", params={"q": "1"})
    run_a_loop_turn(client)

    first, second = lines_of(written)
    assert set(first) == FIELDS | {"duration_ms"}
    assert first["ts"] and TS.match(first["ts"])
    assert (first["level"], first["logger"], first["message"]) == ("INFO", "app.request", "request")
    assert first["request_id"] == "log-1" == ok.headers["x-request-id"]
    assert (first["method"], first["path"], first["route"]) == (
        "POST",
        "/v1/assessments",
        "/v1/assessments",
    )
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0

    assert second["request_id"] == missing.headers["x-request-id"]
    assert (second["method"], second["path"], second["route"]) == (
        "GET",
        "/v1/nowhere",
        "unmatched",
    )
    assert second["status"] == 404
    assert all(chunk.endswith(b"\n") for chunk in written)


@pytest.mark.parametrize("level", ["WARNING", "ERROR"])
def test_a_level_above_info_turns_the_access_log_off(
    app_client: Callable[[str], TestClient], written: list[bytes], level: str
) -> None:
    client = app_client(level)
    assert client.post("/v1/assessments", json=WORKOUT).status_code == 200
    assert client.get("/healthz").status_code == 200
    run_a_loop_turn(client)
    assert written == []


@pytest.mark.parametrize(
    ("level", "enabled"), [("DEBUG", True), ("INFO", True), ("WARNING", False)]
)
def test_enabled_from_the_level(level: str, enabled: bool) -> None:
    assert AccessLog(level).enabled is enabled


# -- coalescing ---------------------------------------------------------------------------------


def test_lines_of_one_loop_turn_go_out_together_at_its_end(written: list[bytes]) -> None:
    log = AccessLog("INFO")

    async def one_turn() -> list[bytes]:
        for n in range(3):
            log.write(*fields(n))
        before = list(written)
        await asyncio.sleep(0)
        return before

    assert asyncio.run(one_turn()) == []  # nothing until the turn ends
    assert len(written) == 1
    assert [line["request_id"] for line in lines_of(written)] == ["r-0", "r-1", "r-2"]


def test_many_lines_are_written_whole_in_chunks_of_at_most_pipe_buf(written: list[bytes]) -> None:
    log = AccessLog("INFO")
    count = 120

    async def one_turn() -> None:
        for n in range(count):
            log.write(*fields(n, pad=n * 7 % 300))  # lines of varied length
        await asyncio.sleep(0)

    asyncio.run(one_turn())
    assert len(written) > 1
    assert all(len(chunk) <= PIPE_BUF for chunk in written)
    assert all(chunk.endswith(b"\n") for chunk in written)  # no line split across writes
    for chunk in written:
        assert all(json.loads(line) for line in chunk.splitlines())
    assert [line["request_id"] for line in lines_of(written)] == [f"r-{n}" for n in range(count)]
    # Greedy: each chunk is full enough that the next line would not have fitted.
    lengths = [len(line) + 1 for line in b"".join(written).splitlines()]
    at = 0
    for chunk in written[:-1]:
        at += chunk.count(b"\n")
        assert len(chunk) + lengths[at] > PIPE_BUF


def test_a_line_longer_than_pipe_buf_is_written_whole_on_its_own(written: list[bytes]) -> None:
    log = AccessLog("INFO")

    async def one_turn() -> None:
        log.write(*fields(0))
        log.write(*fields(1, pad=PIPE_BUF))
        log.write(*fields(2))
        await asyncio.sleep(0)

    asyncio.run(one_turn())
    assert [len(chunk.splitlines()) for chunk in written] == [1, 1, 1]
    assert len(written[1]) > PIPE_BUF and json.loads(written[1])["request_id"] == "r-1"


def test_without_a_running_loop_a_line_is_written_at_once(written: list[bytes]) -> None:
    log = AccessLog("INFO")
    log.write(*fields(0))
    assert len(written) == 1
    log.write(*fields(1))
    assert [line["request_id"] for line in lines_of(written)] == ["r-0", "r-1"]
    assert len(written) == 2


def test_the_lines_reach_file_descriptor_2(capfd: pytest.CaptureFixture[str]) -> None:
    log = AccessLog("INFO")

    async def one_turn() -> None:
        for n in range(50):
            log.write(*fields(n, pad=100))
        await asyncio.sleep(0)

    asyncio.run(one_turn())
    err = capfd.readouterr().err
    assert [json.loads(line)["request_id"] for line in err.splitlines()] == [
        f"r-{n}" for n in range(50)
    ]


def test_pipe_buf_is_no_more_than_the_platforms() -> None:
    assert getattr(select, "PIPE_BUF", 512) >= PIPE_BUF


def test_a_line_is_the_orjson_of_the_record(written: list[bytes]) -> None:
    AccessLog("INFO").write(*fields(0, path='/v1/ñ "quoted" \\ \x01'))
    (chunk,) = written
    assert chunk == orjson.dumps(json.loads(chunk), option=orjson.OPT_APPEND_NEWLINE)
    assert json.loads(chunk)["path"] == '/v1/ñ "quoted" \\ \x01'
    assert set(json.loads(chunk)) == FIELDS | {"duration_ms"}


# -- timestamps ---------------------------------------------------------------------------------


class Clock:
    """time.time() from a list; the rest of the time module as it is, counting strftime calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0.0
        self.formatted = 0

        def strftime(fmt: str, at: time.struct_time) -> str:
            self.formatted += 1
            return time.strftime(fmt, at)

        fake = types.SimpleNamespace(time=lambda: self.now, strftime=strftime, gmtime=time.gmtime)
        monkeypatch.setattr(access_logging, "time", fake)


def stamp_at(log: AccessLog, written: list[bytes], now: float, clock: Clock) -> str:
    clock.now = now
    log.write(*fields(0))
    ts: str = json.loads(written[-1])["ts"]
    return ts


# Fractions with exact binary values (k / 1024), so the expected milliseconds are unambiguous.
BEFORE_MIDNIGHT = calendar.timegm((2026, 12, 31, 23, 59, 59, 0, 0, 0))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (BEFORE_MIDNIGHT + 0.0, "2026-12-31T23:59:59.000Z"),
        (BEFORE_MIDNIGHT + 0.5, "2026-12-31T23:59:59.500Z"),
        (BEFORE_MIDNIGHT + 1023 / 1024, "2026-12-31T23:59:59.999Z"),
        (BEFORE_MIDNIGHT + 1 + 1 / 1024, "2027-01-01T00:00:00.000Z"),
        (BEFORE_MIDNIGHT + 1 + 5 / 1024, "2027-01-01T00:00:00.004Z"),
    ],
)
def test_timestamp_format(
    monkeypatch: pytest.MonkeyPatch, written: list[bytes], now: float, expected: str
) -> None:
    clock = Clock(monkeypatch)
    assert stamp_at(AccessLog("INFO"), written, now, clock) == expected


def test_timestamp_is_right_across_second_boundaries(
    monkeypatch: pytest.MonkeyPatch, written: list[bytes]
) -> None:
    clock = Clock(monkeypatch)
    log = AccessLog("INFO")
    steps = [
        (BEFORE_MIDNIGHT + 0.25, "2026-12-31T23:59:59.250Z"),
        (BEFORE_MIDNIGHT + 1022 / 1024, "2026-12-31T23:59:59.998Z"),
        (BEFORE_MIDNIGHT + 1 + 3 / 1024, "2027-01-01T00:00:00.002Z"),
        (BEFORE_MIDNIGHT + 1 + 0.75, "2027-01-01T00:00:00.750Z"),
        (BEFORE_MIDNIGHT + 2.125, "2027-01-01T00:00:01.125Z"),
        # The clock stepped back (NTP): the date follows it.
        (BEFORE_MIDNIGHT + 0.5, "2026-12-31T23:59:59.500Z"),
    ]
    for now, expected in steps:
        assert stamp_at(log, written, now, clock) == expected
    assert clock.formatted == 4  # the date part is formatted once per distinct second run

    # Against the standard library for many instants around a boundary.
    for k in range(-2048, 2048, 37):
        now = BEFORE_MIDNIGHT + 1 + k / 1024
        whole = int(now)
        expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        expected += f".{(k % 1024) * 1000 // 1024:03d}Z"
        assert stamp_at(log, written, now, clock) == expected


def test_uvicorn_sees_no_access_log_handler() -> None:
    """Uvicorn formats its own access line (client address, quoted path) on every response
    whenever "uvicorn.access" has a handler up its chain, even if the logger is disabled;
    ours replaces it, so after start-up it must find none (the root's JSON handler included)."""
    create_app(Settings(database_url="sqlite://"))
    assert not logging.getLogger("uvicorn.access").hasHandlers()
