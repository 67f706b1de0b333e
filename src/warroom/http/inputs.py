"""Bounds on request input that storage imposes, checked before anything is written."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

MAX_INT = 2**31 - 1
"""Largest value of an INTEGER column (ids, incident numbers, counts) on PostgreSQL."""

NO_NUL = r"^[^\x00]*$"
"""Pattern for free-text path and query parameters (see ``reject_nul``)."""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def reject_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL characters; refuse them as invalid input."""
    if _has_nul(value):
        raise ValueError("must not contain NUL (\\u0000) characters")
    return value


RowId = Annotated[int, Path(ge=1, le=MAX_INT, description="A row id (1 to 2^31-1).")]
"""A numeric id in a path: out of range is a 422 naming it, never a database overflow."""
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Rows to skip.")]
"""A page offset: out of range is a 422 naming it, never a database overflow."""
