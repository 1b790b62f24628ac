"""SIGKILL in the middle of a publish, then a restart: the old version or the new, never a mix.

The server is stopped at three points of the publish by failpoints injected from outside the
application (`failpoints/sitecustomize.py`, loaded through PYTHONPATH): after the version row
is marked published but before the pointer moves, after every write but before the commit,
and after the commit but before the process updated its cache or answered. Each time the
process is killed with SIGKILL and started again, and the store must hold either the old
current version (the draft still a draft, no audit record) or the new one (published,
pointed at, audited), and pass a full consistency check. A further kill lands at a random
moment of a normal publish. The engines' own durability settings are checked too: SQLite in
WAL mode with a busy timeout, PostgreSQL with a bounded pool and a statement timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.content.models import ContentPointer, ContentVersion, VersionStatus
from app.content.validation import check_bundle
from app.core.config import Settings
from app.core.db import make_engine
from app.rules.bundle import Bundle
from tests.e2e.conftest import E2E_ADMIN_KEY, ROOT, LiveServer
from tests.reliability.conftest import report

ADMIN = {"Authorization": f"Bearer {E2E_ADMIN_KEY}"}
FAILPOINTS = Path(__file__).resolve().parent / "failpoints"
PUBLISHED_ACTIONS = {"publish", "publish_forced"}


def check_store(database_url: str) -> dict[str, Any]:
    """Everything that must hold in the store whatever happened to the process."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            pointer = session.get(ContentPointer, 1)
            rows = {row.version: row for row in session.exec(select(ContentVersion)).all()}
            audited = {
                event.version
                for event in session.exec(select(AuditEvent)).all()
                if event.action in PUBLISHED_ACTIONS
            }
            if engine.dialect.name == "sqlite":
                integrity = session.exec(text("PRAGMA integrity_check")).one()[0]  # type: ignore[call-overload]
                assert integrity == "ok", integrity
    finally:
        engine.dispose()
    assert pointer is not None
    current = rows[pointer.current_version]
    assert current.status == VersionStatus.published
    published = set()
    for number, row in rows.items():
        assert hashlib.sha256(row.bundle_json.encode()).hexdigest() == row.checksum, number
        bundle = Bundle.model_validate_json(row.bundle_json)
        if row.status == VersionStatus.published:
            published.add(number)
            assert row.published_at is not None and row.published_by, number
            assert check_bundle(bundle) == [], number
        else:
            assert row.published_at is None, number
    assert audited == published, (audited, published)
    return {"current": pointer.current_version, "published": published, "rows": rows}


def _new_draft(http: httpx.Client) -> int:
    """A draft whose dehydration title ends with `(vN)`, N its own number."""
    draft = http.post("/v1/admin/content/versions", json={"notes": "crash test"})
    assert draft.status_code == 201, draft.text
    version: int = draft.json()["version"]
    patched = http.patch(
        f"/v1/admin/content/versions/{version}/causes/dehydration",
        json={"text": {"en": {"title": f"Dehydration (v{version})"}}},
    )
    assert patched.status_code == 200, patched.text
    return version


def _publish_in_background(url: str, version: int) -> threading.Thread:
    def publish() -> None:
        with contextlib.suppress(httpx.HTTPError):  # killed under it: no answer expected
            httpx.post(
                f"{url}/v1/admin/content/versions/{version}/publish",
                json={"notes": "crash test"},
                headers=ADMIN,
                timeout=30,
            )

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    return thread


def _wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"the failpoint was not reached ({path.name})"
        time.sleep(0.02)


def _restart_and_check(server: LiveServer, database_url: str, old: int, new: int) -> int:
    server.start(timeout=30)
    store = check_store(database_url)
    assert store["current"] in (old, new)
    draft = store["rows"][new]
    if store["current"] == new:
        assert draft.status == VersionStatus.published
    else:
        assert draft.status == VersionStatus.draft and new not in store["published"]
    # The restarted process serves what the store says, texts and version together.
    causes = httpx.get(f"{server.url}/v1/causes", timeout=10).json()
    assert causes["content_version"] == store["current"]
    title = next(c["title"] for c in causes["causes"] if c["id"] == "dehydration")
    assert title.endswith(f"(v{new})") == (store["current"] == new)
    assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
    current: int = store["current"]
    return current


@pytest.mark.e2e
@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_publish(
    start_live: Callable[..., LiveServer], live_database_url: str, tmp_path: Path
) -> None:
    control = tmp_path / "failpoint"
    reached = tmp_path / "failpoint.reached"
    server = start_live(PYTHONPATH=f"{FAILPOINTS}:{ROOT}", TREMOR_FAILPOINT_FILE=str(control))
    outcomes: dict[str, str] = {}
    expected = {"before_pointer": "old", "before_commit": "old", "after_commit": "new"}
    started = time.monotonic()
    with httpx.Client(base_url=server.url, headers=ADMIN, timeout=30) as http:
        current = http.get("/v1/causes").json()["content_version"]
        for point in [*expected, "random"]:
            draft = _new_draft(http)
            control.write_text("" if point == "random" else point, encoding="utf-8")
            reached.unlink(missing_ok=True)
            _publish_in_background(server.url, draft)
            if point == "random":  # an ordinary publish, killed at a random moment
                time.sleep(random.uniform(0.0, 0.15))
            else:
                _wait_for(reached)
            server.kill()
            control.write_text("", encoding="utf-8")
            after = _restart_and_check(server, live_database_url, current, draft)
            outcomes[point] = "new" if after == draft else "old"
            current = after

    report("crash", outcomes=outcomes, seconds=round(time.monotonic() - started, 1))
    assert {point: outcomes[point] for point in expected} == expected


def test_database_engines_run_with_their_durability_settings(database_url: str) -> None:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
                assert busy == settings.sqlite_busy_timeout_ms
            else:
                timeout = conn.exec_driver_sql("SHOW statement_timeout").scalar()
                assert timeout == f"{settings.db_statement_timeout_ms // 1000}s"
                assert engine.pool.size() == settings.db_pool_size  # type: ignore[attr-defined]
                assert engine.pool._max_overflow == settings.db_pool_size  # type: ignore[attr-defined]
                assert engine.pool._timeout == 5  # type: ignore[attr-defined]
    finally:
        engine.dispose()
