"""Reading the JSON payloads of non-error items: objects, times, strings, counts. A payload
that is not what its kind needs raises :class:`BadItem` naming the field at fault."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import orjson

from warroom.clock import as_utc


class BadItem(ValueError):
    """The item's payload cannot be used; the message names the field."""


def load_object(payload: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise BadItem(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadItem(f"{what} is not a JSON object")
    return value


def parse_time(value: object, field: str) -> datetime:
    """An RFC 3339 time or seconds since the epoch, as aware UTC."""
    if isinstance(value, bool):
        raise BadItem(f"{field} is not a time")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise BadItem(f"{field} is not a finite number")
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise BadItem(f"{field} is out of range") from None
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            raise BadItem(f"{field} is not an RFC 3339 time: {value[:40]!r}") from None
    raise BadItem(f"{field} is not a time")


def optional_time(value: object, field: str) -> datetime | None:
    return None if value is None else parse_time(value, field)


def text(value: object, field: str, limit: int, *, required: bool = False) -> str | None:
    """A string no longer than ``limit``; empty and missing are None (or refused)."""
    if value is None or value == "":
        if required:
            raise BadItem(f"{field} is required")
        return None
    if not isinstance(value, str):
        raise BadItem(f"{field} is not a string")
    if len(value) > limit:
        raise BadItem(f"{field} is longer than {limit} characters")
    return value


def count(value: object, field: str) -> int:
    """A non-negative integer; missing is 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadItem(f"{field} is not a non-negative integer")
    return value


def minute(moment: datetime) -> datetime:
    return as_utc(moment).replace(second=0, microsecond=0)
