"""Numeric bounds shared by every layer."""

from typing import Final

MAX_INT32: Final = 2_147_483_647
"""The largest version number a path, query or body accepts (the database's INTEGER)."""
