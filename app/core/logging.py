"""Structured JSON logs, one object per line, carrying the request id of the current request."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import sys
import time
from typing import Any

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# uvicorn adds `color_message` (the message with terminal colour codes) to its records for its
# own coloured formatter; in JSON it would only repeat `message` with escape sequences.
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """Format records as JSON so log pipelines need no parsing rules."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Route the app's and uvicorn's logs through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # One INFO line per Alembic plugin at every start of `serve` says nothing to an operator.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The access log is replaced by our own one line per request (with the request id).
    # Disabled is not enough: uvicorn decides per connection whether to log by asking whether
    # "uvicorn.access" has a handler up its chain (the root's counts), and if so formats the
    # client address and quotes the path on every response before the disabled logger drops
    # the record. Without propagation it has none.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True


PIPE_BUF = 4096  # writes up to this size reach a pipe whole, never interleaved with others'


class AccessLog:
    """One JSON line per request, written straight to stderr.

    The logging module costs several times more per record (docs/performance.md, "Pieces");
    this writes the same JSON shape with orjson. Lines finished in one turn of the event loop
    go out together, at the end of that turn, in writes of at most `PIPE_BUF` bytes: under
    load that is one system call for many requests, and since each write holds whole lines
    and is atomic, lines from several workers sharing stderr never interleave.
    """

    def __init__(self, level: str) -> None:
        self.enabled = logging.getLevelName(level) <= logging.INFO
        self._pending: list[bytes] = []
        self._second = -1
        self._stamp = ""

    def write(
        self, request_id: str, method: str, path: str, route: str, status: int, duration_ms: float
    ) -> None:
        """Queue the line of one finished request (the JSON shape of `JsonFormatter`)."""
        now = time.time()
        second = int(now)
        if second != self._second:  # the date part changes once a second: format it once
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        line = {
            "ts": f"{self._stamp}.{int(now % 1 * 1000):03d}Z",
            "level": "INFO",
            "logger": "app.request",
            "message": "request",
            "request_id": request_id,
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
        }
        self._pending.append(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop (a thread, a test): write at once
                self.flush()

    def flush(self) -> None:
        """Write the pending lines, grouped into atomic writes."""
        lines, self._pending = self._pending, []
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            if chunk and size + len(line) > PIPE_BUF:
                _write_stderr(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            _write_stderr(b"".join(chunk))


def _write_stderr(data: bytes) -> None:
    with contextlib.suppress(OSError):  # a closed stderr must never fail a request
        os.write(2, data)
