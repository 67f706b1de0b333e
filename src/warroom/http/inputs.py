"""Bounds on request input that storage imposes, checked before anything is written."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AwareDatetime, BeforeValidator

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


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _iso_only(value: Any) -> Any:
    """A time in a query is ISO 8601 text, as the API documents (``format: date-time``);
    pydantic alone would also read ``0.5`` as seconds after 1970."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        raise ValueError("must be an ISO 8601 date-time such as 2026-12-04T10:00:00Z")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_only)]
"""A time with its offset, as ISO 8601 text only."""
LocalInstant = Annotated[datetime, BeforeValidator(_iso_only)]
"""A time as ISO 8601 text only; without an offset it is UTC."""
