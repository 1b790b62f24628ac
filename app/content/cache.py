"""The in-memory store of published versions: parsed, compiled and rendered once each.

Request handlers read only from here, never from the database. A background poller
(see `app.content.poller`) asks the database for the pointer's generation and loads
what changed, so every process follows a publish made by any other within a second,
and keeps serving what it holds when the database goes away.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.content import repository
from app.content.models import ContentVersion
from app.content.views import LocaleView, render_locale
from app.core.errors import NotFound, ServiceUnavailable
from app.core.metrics import CONTENT_VERSION
from app.rules.bundle import Bundle
from app.rules.versions import AssessmentEngine

logger = logging.getLogger("app.content")


def bundle_checksum(bundle_json: str) -> str:
    return hashlib.sha256(bundle_json.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoadedVersion:
    """One published version, ready to answer: bundle, compiled rules, rendered texts."""

    version: int
    checksum: str
    published_at: datetime | None
    bundle: Bundle
    engine: AssessmentEngine
    views: dict[str, LocaleView]
    locales: tuple[str, ...]

    def view(self, locale: str) -> LocaleView:
        return self.views.get(locale) or self.views[self.bundle.default_locale]


def load_version(row: ContentVersion) -> LoadedVersion:
    """Parse (in pydantic's Rust core), compile and render a stored version once."""
    assert row.version is not None
    bundle = Bundle.model_validate_json(row.bundle_json)
    return build_loaded(bundle, row.version, row.checksum, row.published_at)


def build_loaded(
    bundle: Bundle, version: int, checksum: str, published_at: datetime | None = None
) -> LoadedVersion:
    locales = tuple(
        dict.fromkeys([bundle.default_locale, *bundle.locales, *bundle.partial_locales])
    )
    return LoadedVersion(
        version=version,
        checksum=checksum,
        published_at=published_at,
        bundle=bundle,
        engine=AssessmentEngine(bundle, version),
        views={loc: render_locale(bundle, checksum, loc) for loc in locales},
        locales=locales,
    )


@dataclass
class ContentCache:
    """The versions this process serves; swapped atomically, read without locks."""

    versions: dict[int, LoadedVersion] = field(default_factory=dict)
    current_version: int | None = None
    generation: int = 0
    degraded_reason: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> LoadedVersion:
        version = self.current_version
        if version is None:
            raise ServiceUnavailable("No content version is loaded yet.")
        return self.versions[version]

    def get(self, version: int | None) -> LoadedVersion:
        """The pinned published version, or the current one when none is asked for."""
        if version is None:
            return self.current()
        loaded = self.versions.get(version)
        if loaded is None:
            raise NotFound(f"Content version {version} does not exist or is not published.")
        return loaded

    def refresh(self, engine: Engine) -> bool:
        """Follow the database's current pointer; returns True when something changed."""
        with self._lock, Session(engine) as session:
            pointer = repository.get_pointer(session)
            if pointer is None or (
                pointer.generation == self.generation and pointer.current_version in self.versions
            ):
                return False
            rows = repository.published_versions(session, exclude=self.versions.keys())
            loaded = {row.version: load_version(row) for row in rows if row.version is not None}
            if (
                pointer.current_version not in self.versions
                and pointer.current_version not in loaded
            ):
                # The pointer names a version that is not published: refuse to serve it.
                logger.error(
                    "current pointer names unpublished version %s", pointer.current_version
                )
                return False
            self.versions = {**self.versions, **loaded}
            changed = self.current_version != pointer.current_version
            self.current_version = pointer.current_version
            self.generation = pointer.generation
            CONTENT_VERSION.set(pointer.current_version)
            if changed or loaded:
                logger.info(
                    "content loaded",
                    extra={"current_version": self.current_version, "loaded": sorted(loaded)},
                )
            return True

    def install(self, loaded: LoadedVersion, *, current: bool, generation: int | None) -> None:
        """Make a version this process just published (or rolled back to) servable at once."""
        with self._lock:
            self.versions = {**self.versions, loaded.version: loaded}
            if current:
                self.current_version = loaded.version
                CONTENT_VERSION.set(loaded.version)
            if generation is not None:
                self.generation = max(self.generation, generation)
