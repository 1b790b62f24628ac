"""`header` gives what Starlette's `request.headers.get` gives, from one decoded dict."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from app.core.headers import header

names = st.sampled_from(["accept-language", "x-client-id", "content-type", "authorization"])
values = st.binary(max_size=20).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b""))


@given(st.lists(st.tuples(names.map(str.encode), values), max_size=8), names)
def test_same_as_starlette(raw: list[tuple[bytes, bytes]], name: str) -> None:
    scope = {"type": "http", "headers": raw}
    assert header(scope, name) == Headers(scope=scope).get(name)
    assert header(scope, name) == Headers(scope=scope).get(name)  # from the kept dict


def test_the_first_of_repeated_headers_wins() -> None:
    scope = {"headers": [(b"x-client-id", b"first"), (b"x-client-id", b"second")]}
    assert header(scope, "x-client-id") == "first"
    assert header(scope, "missing") is None
