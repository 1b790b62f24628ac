"""Shared fixtures: one migrated database per test session, emptied before each app test.

The database is SQLite in a temporary folder unless TEST_DATABASE_URL names another
(`.ci/run` points it at a PostgreSQL database of its own).
"""

from __future__ import annotations

import compileall
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core import migrate
from app.core.config import Settings
from app.main import create_app
from tests.databases import scratch_database

ADMIN_KEY = "test-admin-key-0123456789"
TABLES_CHILD_FIRST = (
    "outcome_feedback",
    "outcome_shown",
    "outcome_source",
    "outcome_source_tally",
    "assessment_id_key",
    "webhook_attempt",
    "webhook_delivery",
    "webhook_event",
    "webhook_subscription",
    "worker_lease",
    "webhook_sealing_key",
    "webhook_key_fingerprint",
    "audit_event",
    "api_key",
    "content_pointer",
    "content_version",
)


def pytest_configure(config: pytest.Config) -> None:
    """Compile app/ to bytecode once, before any test starts a process. Where
    PYTHONDONTWRITEBYTECODE=1 is set (this machine kind, CI), no process writes .pyc files,
    so every `tremor-guide serve` a test starts (some sixty, each worker of them too)
    compiled the whole app from source again; only a test whose subprocess drops the
    variable happened to leave .pyc files behind. (The controller does it; workers skip.)"""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(Path(__file__).resolve().parents[1] / "app", quiet=1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    """The session's database; under pytest-xdist each worker gets one of its own (a file
    in its own temporary folder, or `<db>_<worker>` on PostgreSQL), as tests empty it."""
    url = os.environ.get("TEST_DATABASE_URL") or ""
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tremor-test.db'}"
    if worker_id == "master" or url.startswith("sqlite"):
        migrate.upgrade(url)
        yield url
        return
    with scratch_database(url, worker_id, tmp_path_factory.mktemp("db")) as own:
        migrate.upgrade(own)
        yield own


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def empty_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in TABLES_CHILD_FIRST:
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    empty_database(database_url)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        admin_api_key=ADMIN_KEY,
        content_poll_interval_s=0.2,
        log_level="WARNING",
    )


@pytest.fixture(scope="module")
def api(database_url: str) -> Iterator[TestClient]:
    """The app on the default content, shared by a module whose tests only assess and read:
    built once per module, the assess limit lifted so that hundreds of bodies fit."""
    empty_database(database_url)
    module_settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        admin_api_key=ADMIN_KEY,
        rate_limit_assess="1000000/minute",
        log_level="WARNING",
        webhook_worker_enabled=False,
    )
    with TestClient(create_app(module_settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on a database holding just the bundled default content as version 1."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


# --- how pytest-xdist spreads the suite (`make test`: -n 3 --dist loadgroup) -----------------
#
# Tests that start real servers (`tremor-guide serve`, a generated SDK against one, a browser)
# spend most of their time waiting on those processes. On a 2-core machine, two workers of
# them beside a third worker of in-process tests keep both cores busy, where two workers
# running such tests side by side left one core idle much of the time. So each module with
# such a test goes whole into one of LIVE_GROUPS xdist groups (each group runs on one worker,
# one test after another, so no more live tests run at once than before), balanced by the
# rough seconds below, and those groups are handed out first. A module with a module-scoped
# fixture (an app, a compiled SDK, a browser) is kept on one worker too, so that the fixture
# is built once. Without `--dist loadgroup` (plain `pytest`, `-n 0`) nothing is reordered.

LIVE_GROUPS = 2
LIVE_FIXTURES = frozenset({"start_server", "live_server", "start_live", "start_shared_server"})
# Seconds per module on this 2-core machine kind (--durations, loaded), to balance the
# groups; a module missing here counts DEFAULT_LIVE_SECONDS.
LIVE_SECONDS = {
    "tests/e2e/test_many_processes.py": 70,
    "tests/clients/test_kotlin_sdk.py": 35,  # 30 s to compile the client, unless cached
    "tests/webhooks/test_live.py": 30,
    "tests/reliability/test_crash.py": 25,
    "tests/reliability/test_publish_load.py": 18,
    "tests/reliability/test_ratelimit.py": 16,
    "tests/e2e/test_browser.py": 40,  # ten tests, a server and a page each
    "tests/e2e/test_shared_limits.py": 15,
    "tests/outcomes/test_across_processes.py": 12,
    "tests/content/test_rollout_replicas.py": 12,
    "tests/clients/test_python_sdk.py": 12,
    "tests/core/test_proxy.py": 10,
    "tests/e2e/test_replicas.py": 10,
    "tests/e2e/test_server_log.py": 10,
}
DEFAULT_LIVE_SECONDS = 6


def _is_live(item: pytest.Item) -> bool:
    return item.get_closest_marker("e2e") is not None or bool(
        LIVE_FIXTURES.intersection(item.fixturenames)
    )


def _has_module_fixture(item: pytest.Item) -> bool:
    info: Any = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(definitions[-1].scope == "module" for definitions in info.name2fixturedefs.values())


def _set_nodeid(item: pytest.Item, nodeid: str) -> None:
    """xdist schedules by node id: a `@name` suffix is how loadgroup learns a test's group.
    xdist 3.8 writes that suffix to `item._nodeid`, which pytest 9 no longer reads (it keeps
    the id in `_id`), so its own `xdist_group` mark has no effect here: write it where this
    pytest reads it, and check that it took."""
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    else:  # pragma: no cover - pytest before 9
        item._nodeid = nodeid  # type: ignore[attr-defined]
    assert item.nodeid == nodeid, (item.nodeid, nodeid)


def _unique_nodeids(items: list[pytest.Item]) -> None:
    """Tests sharing a node id would all but the first be dropped by loadgroup (it keys its
    work by id): schemathesis names each operation's test `test_...[GET /v1/causes]` but
    gives them all the function's id. Such a test gets its module and name as its id."""
    seen = Counter(item.nodeid for item in items)
    for item in items:
        if seen[item.nodeid] > 1:
            _set_nodeid(item, f"{item.nodeid.split('::', 1)[0]}::{item.name}")
    ids = Counter(item.nodeid for item in items)
    assert max(ids.values(), default=1) == 1, [i for i, n in ids.items() if n > 1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # On a worker xdist has set `dist` to "no" and `loadgroup` to True.
    if not (
        config.getoption("dist", "no") == "loadgroup" or getattr(config.option, "loadgroup", False)
    ):
        return
    _unique_nodeids(items)
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    live = {path for path, its in modules.items() if any(_is_live(item) for item in its)}
    # Longest first, each into the group that has the fewest seconds so far.
    load = [0] * LIVE_GROUPS
    group_of: dict[str, int] = {}
    for path in sorted(live, key=lambda p: (-LIVE_SECONDS.get(p, DEFAULT_LIVE_SECONDS), p)):
        group = load.index(min(load))
        group_of[path] = group
        load[group] += LIVE_SECONDS.get(path, DEFAULT_LIVE_SECONDS)
    live_items: list[list[pytest.Item]] = [[] for _ in range(LIVE_GROUPS)]
    rest: list[pytest.Item] = []
    for path, its in modules.items():
        if path in group_of:
            name = f"live-{group_of[path]}"
            live_items[group_of[path]].extend(its)
        elif any(_has_module_fixture(item) for item in its):
            name = path.replace("/", ".")
            rest.extend(its)
        else:
            rest.extend(its)
            continue
        for item in its:
            _set_nodeid(item, f"{item.nodeid}@{name}")
    # With --no-loadscope-reorder the groups are handed out in this order: live ones first.
    items[:] = [item for group in live_items for item in group] + rest
