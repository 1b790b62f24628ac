"""The cache installs (version, generation) pairs monotonically, whoever hands them over."""

from __future__ import annotations

import pytest

from app.content.cache import ContentCache, LoadedVersion, PointerRollout, Serving, build_loaded
from app.content.errors import NothingLoaded, VersionNotServed
from tests.content.rollout_helpers import reference_bucket
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


def test_a_rollout_is_installed_whole_and_only_with_its_versions(
    loaded: dict[int, LoadedVersion],
) -> None:
    cache = ContentCache()
    assert not cache.follow(1, 1, {1: loaded[1]}, PointerRollout(2, 10, None))  # 2 unknown
    assert cache.current_version is None
    assert cache.follow(1, 2, {1: loaded[1], 2: loaded[2]}, PointerRollout(2, 10, None))
    before = cache.serving
    assert (before.current, before.canary, before.percent) == (loaded[1], loaded[2], 10)
    assert cache.follow(2, 3, {})  # promoted: one new object, the old one untouched
    assert (cache.serving.current, cache.serving.canary) == (loaded[2], None)
    assert (before.current, before.canary, before.percent) == (loaded[1], loaded[2], 10)
    assert not cache.follow(1, 2, {}, PointerRollout(2, 10, None))  # an older generation


def test_a_canary_caller_is_picked_by_its_bucket(loaded: dict[int, LoadedVersion]) -> None:
    serving = Serving(current=loaded[1], canary=loaded[3], percent=50)
    for n in range(200):
        identity = f"client:u{n}"
        expected = 3 if reference_bucket(3, identity) < 5000 else 1
        assert serving.pick(identity).version == expected
