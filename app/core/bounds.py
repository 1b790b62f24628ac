"""Numeric bounds shared by every layer."""

from typing import Final

from pydantic import BeforeValidator

MAX_INT32: Final = 2_147_483_647
"""The largest version number a path, query or body accepts (the database's INTEGER)."""

MAX_IF_NONE_MATCH: Final = 1024
"""The longest If-None-Match a read accepts (a list of a few dozen ETags); longer is a 422."""


def _json_integer(value: object) -> object:
    # JSON Schema's integer: 3 and 3.0, never true (a bool is an int to Python) nor "3".
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON integer")
    return value


JSON_INTEGER = BeforeValidator(_json_integer)
"""Put last in an `Annotated[int, ...]` of a request body (after its bounds, so that they
still reach the JSON schema): an integer as JSON Schema means it."""
