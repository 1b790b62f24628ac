"""The in-memory store of published versions: parsed, compiled and rendered once each.

Request handlers read only from here, never from the database; the cache itself never
touches the database either. `app.content.poller` reads the pointer and the versions it
names and hands them to `follow`, so every process follows a publish made by any other
within a second, and keeps serving what it holds when the database goes away.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from app.content.errors import NothingLoaded, VersionNotServed
from app.content.models import ContentVersion
from app.content.rollout import in_canary
from app.content.views import LocaleView, render_locale
from app.core.metrics import CONTENT_VERSION
from app.rules.bundle import Bundle
from app.rules.plan import plan_json
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
    # locale -> the version's plan as served (rules.plan), made on first ask: few apps ask,
    # and a published version's plan never changes
    plans: dict[str, bytes] = field(default_factory=dict)

    def view(self, locale: str) -> LocaleView:
        return self.views.get(locale) or self.views[self.bundle.default_locale]

    def plan(self, locale: str) -> bytes:
        """The plan in `locale` as JSON (one of `locales`), made once."""
        made = self.plans.get(locale)
        if made is None:
            made = self.plans[locale] = plan_json(self.engine, locale)
        return made


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


@dataclass(frozen=True, slots=True)
class Serving:
    """What a request is answered with when it pins no version: the current version, and
    a running canary with its share. One object, replaced whole, so that a request reads
    all three from the same pointer state (never a promoted canary beside the old share)."""

    current: LoadedVersion | None = None
    canary: LoadedVersion | None = None
    percent: int = 0
    started_at: datetime | None = None

    def pick(self, identity: str) -> LoadedVersion:
        """The version for this caller (only called while a canary runs)."""
        canary, current = self.canary, self.current
        assert canary is not None
        if current is None or in_canary(canary.version, self.percent, identity):
            return canary
        return current


NOTHING_SERVED = Serving()


@dataclass
class ContentCache:
    """The versions this process serves; swapped atomically, read without locks."""

    versions: dict[int, LoadedVersion] = field(default_factory=dict)
    serving: Serving = NOTHING_SERVED
    generation: int = 0
    degraded_reason: str | None = None
    database_state: str = "ok"  # ok, unreachable or missing_tables (see core.dbfaults)
    check_started_at: float | None = None  # time.monotonic() of the poller's check in flight
    lacks_published: bool = False  # published versions the poller has yet to load (pinned ones)
    published: frozenset[int] = frozenset()  # the published versions the last check listed
    moved_at: float = 0.0  # time.monotonic() of the last pointer state installed
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def current_version(self) -> int | None:
        current = self.serving.current
        return current.version if current is not None else None

    @property
    def canary_version(self) -> int | None:
        canary = self.serving.canary
        return canary.version if canary is not None else None

    def current(self) -> LoadedVersion:
        current = self.serving.current
        if current is None:
            raise NothingLoaded("No content version is loaded yet.")
        return current

    def get(self, version: int | None) -> LoadedVersion:
        """The pinned published version, or the current one when none is asked for."""
        if version is None:
            return self.current()
        loaded = self.versions.get(version)
        if loaded is None:
            raise VersionNotServed(version)
        return loaded

    def follow(
        self,
        current_version: int,
        generation: int,
        loaded: Mapping[int, LoadedVersion],
        rollout: PointerRollout | None = None,
    ) -> bool:
        """Install the database's pointer (current version, any canary and its share, and
        the generation, all read together) and the versions just loaded for it; returns True
        when something changed.

        States are installed monotonically: an older generation than one already held (a
        poll that read the database before this process's own publish) changes nothing."""
        with self._lock:
            if generation < self.generation:
                return False
            versions = {**self.versions, **loaded}
            named = [current_version, *([rollout.canary_version] if rollout else [])]
            missing = [number for number in named if number not in versions]
            if missing:
                # The pointer names a version that is not published: refuse to serve it.
                logger.error("content pointer names unpublished version(s) %s", missing)
                return False
            serving = Serving(
                current=versions[current_version],
                canary=versions[rollout.canary_version] if rollout else None,
                percent=rollout.percent if rollout else 0,
                started_at=rollout.started_at if rollout else None,
            )
            changed = _state(serving) != _state(self.serving)
            if changed:
                self.moved_at = time.monotonic()
            self.versions = versions
            self.serving = serving
            self.generation = generation
            CONTENT_VERSION.set(current_version)
            if changed or loaded:
                logger.info(
                    "content loaded",
                    extra={
                        "current_version": current_version,
                        "canary_version": rollout.canary_version if rollout else None,
                        "loaded": sorted(loaded),
                    },
                )
            return changed or bool(loaded)

    def add(self, loaded: LoadedVersion) -> None:
        """Hold one more published version (a pinned one), serving nothing new."""
        with self._lock:
            self.versions = {**self.versions, loaded.version: loaded}

    def is_following(self, current_version: int, generation: int) -> bool:
        """Whether this pointer state is the one already installed (nothing to load)."""
        return generation == self.generation and current_version in self.versions

    def install(self, loaded: LoadedVersion, *, generation: int) -> None:
        """Make a version this process just published (or rolled back to) servable at once,
        as current unless the poller has already seen a later move of the pointer."""
        self.install_serving(Serving(current=loaded), generation=generation)

    def install_serving(self, serving: Serving, *, generation: int) -> None:
        """Install a pointer state this process just committed (a publish, rollback or
        rollout change), unless the poller has already seen a later one."""
        with self._lock:
            added = [v for v in (serving.current, serving.canary) if v is not None]
            self.versions = {**self.versions, **{v.version: v for v in added}}
            if generation > self.generation and serving.current is not None:
                self.serving = serving
                self.generation = generation
                self.moved_at = time.monotonic()
                CONTENT_VERSION.set(serving.current.version)


@dataclass(frozen=True, slots=True)
class PointerRollout:
    """A running canary as the pointer row names it."""

    canary_version: int
    percent: int
    started_at: datetime | None


def _state(serving: Serving) -> tuple[int | None, int | None, int]:
    current, canary = serving.current, serving.canary
    return (
        current.version if current else None,
        canary.version if canary else None,
        serving.percent,
    )
