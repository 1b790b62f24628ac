"""Failpoints for the crash test, loaded into a live server through PYTHONPATH.

Python imports `sitecustomize` at start-up. This one does nothing unless the environment
names a control file (TREMOR_FAILPOINT_FILE); then it wraps the publish from outside the
application, and at each publish reads the control file: when it names a point, the publish
stops there (the worker thread sleeps, holding whatever transaction is open) after writing
`<control file>.reached`, so the test knows it is time to SIGKILL the process.

Points: `before_pointer` (the version row is already marked published, the pointer not yet
moved), `before_commit` (every write of the publish done, not committed), `after_commit`
(committed; the process's cache and the response not yet updated).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

_CONTROL = os.environ.get("TREMOR_FAILPOINT_FILE")


def _armed() -> str:
    assert _CONTROL is not None
    try:
        return Path(_CONTROL).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _reached(point: str) -> None:
    assert _CONTROL is not None
    Path(_CONTROL + ".reached").write_text(point, encoding="utf-8")
    time.sleep(3600)  # until the test kills the process


def _install() -> None:
    from app.content import publishing, repository

    original_publish = publishing.publish
    original_move = repository.move_pointer
    state = threading.local()

    def publish(session: Any, *args: Any, **kwargs: Any) -> Any:
        point = _armed()
        if point in ("before_commit", "after_commit"):
            commit = session.commit

            def failing_commit() -> None:
                if point == "after_commit":
                    commit()
                _reached(point)

            session.commit = failing_commit
        state.point = point
        try:
            return original_publish(session, *args, **kwargs)
        finally:
            state.point = ""

    def move_pointer(session: Any, to_version: int) -> int:
        if getattr(state, "point", "") == "before_pointer":
            session.flush()
            _reached("before_pointer")
        return original_move(session, to_version)

    publishing.publish = publish
    repository.move_pointer = move_pointer


if _CONTROL:
    _install()
