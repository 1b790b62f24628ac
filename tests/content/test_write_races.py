"""A write that loses a race to another request, found by the guarded UPDATE: 412 when
the loser sent If-Match (its precondition has failed), 409 when it did not."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from app.content import drafts, versions
from app.content.errors import ConcurrentChange, StaleRevision
from app.core.config import Settings
from app.core.errors import ErrorKind
from app.lifespan import build_services, prepare_database


@pytest.mark.parametrize("send_if_match", [True, False])
def test_the_loser_of_a_draft_write_race(settings: Settings, send_if_match: bool) -> None:
    services = build_services(settings)
    prepare_database(services)
    engine = create_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as setup:
        version = drafts.create_draft(setup, base_version=None, notes="race", actor="t").version
        setup.commit()
    bundle = versions.stored_bundle(Session(engine), version)
    with Session(engine, expire_on_commit=False) as loser:
        etag = versions.version_etag(versions.existing(loser, version))
        if_match = etag if send_if_match else None
        # The loser has read the draft (and its If-Match matched) ...
        row = drafts.editable_draft(loser, version, if_match)
        loser.commit()
        # ... when the winner writes it.
        with Session(engine, expire_on_commit=False) as winner:
            drafts.replace_draft(winner, version, bundle, etag)
            winner.commit()
        expected = StaleRevision if send_if_match else ConcurrentChange
        with pytest.raises(expected) as lost:
            drafts._store_draft_bundle(loser, row, bundle, if_match)
        assert lost.value.kind is (ErrorKind.stale if send_if_match else ErrorKind.conflict)
    engine.dispose()
    services.engine.dispose()
