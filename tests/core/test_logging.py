"""The JSON log formatter: one object per record, the record's extras, nothing for terminals."""

from __future__ import annotations

import json
import logging

from app.core.logging import JsonFormatter


def test_uvicorn_color_message_is_left_out_and_other_extras_kept() -> None:
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, "", 0, "Started server process [%d]", (7,), None
    )
    record.color_message = "Started server process [\x1b[36m%d\x1b[0m]"
    record.version = 3
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Started server process [7]"
    assert line["logger"] == "uvicorn.error" and line["version"] == 3
    assert "color_message" not in line
