"""Fixtures for the pure engine tests: the real default content, compiled once per session."""

from __future__ import annotations

import pytest

from app.rules.bundle import Bundle
from app.rules.versions import AssessmentEngine
from tests.rules.helpers import default_bundle, default_engine


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return default_bundle()


@pytest.fixture(scope="session")
def engine() -> AssessmentEngine:
    return default_engine()
