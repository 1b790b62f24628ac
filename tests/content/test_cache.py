"""The cache installs (version, generation) pairs monotonically, whoever hands them over."""

from __future__ import annotations

import pytest

from app.content.cache import ContentCache, LoadedVersion, build_loaded
from app.content.errors import NothingLoaded, VersionNotServed
from tests.rules.helpers import default_bundle


@pytest.fixture(scope="module")
def loaded() -> dict[int, LoadedVersion]:
    bundle = default_bundle()
    return {n: build_loaded(bundle, n, f"checksum-{n}") for n in (1, 2, 3)}


def test_an_own_publish_never_overrides_a_later_pointer_the_poller_saw(
    loaded: dict[int, LoadedVersion],
) -> None:
    cache = ContentCache()
    assert cache.follow(1, 1, {1: loaded[1]})
    # The poller saw another process publish version 3 (generation 3) ...
    assert cache.follow(3, 3, {3: loaded[3]})
    # ... then this process's own publish of version 2 (generation 2) commits and installs.
    cache.install(loaded[2], generation=2)
    assert (cache.current_version, cache.generation) == (3, 3)
    assert cache.get(2) is loaded[2]  # still servable when pinned


def test_an_older_poll_changes_nothing(loaded: dict[int, LoadedVersion]) -> None:
    cache = ContentCache()
    cache.install(loaded[2], generation=5)
    assert not cache.follow(1, 4, {1: loaded[1]})
    assert (cache.current_version, cache.generation) == (2, 5)
    assert cache.follow(1, 6, {1: loaded[1]})
    assert cache.current_version == 1
    assert cache.is_following(1, 6)
    assert not cache.is_following(1, 7)


def test_a_pointer_at_an_unpublished_version_is_refused(
    loaded: dict[int, LoadedVersion],
) -> None:
    cache = ContentCache()
    cache.follow(1, 1, {1: loaded[1]})
    assert not cache.follow(9, 2, {})
    assert cache.current_version == 1


def test_nothing_loaded_and_unknown_versions_are_domain_errors() -> None:
    cache = ContentCache()
    with pytest.raises(NothingLoaded):
        cache.get(None)
    with pytest.raises(VersionNotServed):
        cache.get(4)
