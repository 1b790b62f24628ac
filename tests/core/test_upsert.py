"""`keep_first_row`: of concurrent first writers the first keeps its row and every other gets
it back, on SQLite and PostgreSQL alike; nothing is committed for the caller."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.core.config import Settings
from app.core.db import make_engine
from app.core.models import utcnow
from app.core.upsert import keep_first_row
from app.outcomes.models import AssessmentIdKey


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    yield engine
    engine.dispose()


def _keep(session: Session, key: bytes) -> bytes:
    return bytes(keep_first_row(session, AssessmentIdKey, id=1, key=key, created_at=utcnow()).key)


def _stored_keys(engine: Engine) -> list[bytes]:
    with Session(engine) as session:
        return [bytes(row.key) for row in session.exec(select(AssessmentIdKey))]


def test_a_later_writer_gets_the_first_row_back(engine: Engine) -> None:
    with Session(engine) as first:
        assert _keep(first, b"first") == b"first"
        first.commit()
    with Session(engine) as later:
        assert _keep(later, b"later") == b"first"
        later.commit()
    assert _stored_keys(engine) == [b"first"]


def test_the_caller_commits(engine: Engine) -> None:
    with Session(engine) as session:
        assert _keep(session, b"rolled back") == b"rolled back"
        session.rollback()
    assert _stored_keys(engine) == []


def test_a_writer_racing_an_open_insert_gets_its_row_once_committed(engine: Engine) -> None:
    """The second insert waits on the first's open transaction (PostgreSQL: on the key;
    SQLite: on the write lock), then keeps nothing of its own."""
    got: list[bytes] = []
    with Session(engine) as first:
        assert _keep(first, b"first") == b"first"

        def second_writer() -> None:
            with Session(engine) as second:
                got.append(_keep(second, b"second"))
                second.commit()

        racer = threading.Thread(target=second_writer)
        racer.start()
        racer.join(timeout=0.3)  # it waits for the first to commit
        assert racer.is_alive()
        first.commit()
    racer.join(timeout=10)
    assert got == [b"first"]
    assert _stored_keys(engine) == [b"first"]
