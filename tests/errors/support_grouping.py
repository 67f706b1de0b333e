"""Small builders for grouping tests: events go through normalize_event like real ones."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from warroom.errors.grouping import Grouping, compute_grouping
from warroom.errors.normalize import normalize_event

RECEIVED_AT = datetime(2026, 3, 1, tzinfo=UTC)


def md5(*values: str) -> str:
    """The hash of values concatenated without separator, computed independently."""
    return hashlib.md5("".join(values).encode()).hexdigest()


def frame(function: str | None = None, **fields: Any) -> dict[str, Any]:
    built: dict[str, Any] = {"in_app": True, "lineno": 10, **fields}
    if function is not None:
        built["function"] = function
    return built


def exception_event(
    frames: list[dict[str, Any]] | None,
    *,
    type: str = "ZeroDivisionError",
    value: str = "division by zero",
    platform: str = "python",
    **fields: Any,
) -> dict[str, Any]:
    exception: dict[str, Any] = {"type": type, "value": value}
    if frames is not None:
        exception["stacktrace"] = {"frames": frames}
    return event({"exception": [exception], "platform": platform, **fields})


def event(raw: dict[str, Any]) -> dict[str, Any]:
    return normalize_event(raw, received_at=RECEIVED_AT)


def grouping(raw_or_event: dict[str, Any]) -> Grouping:
    return compute_grouping(raw_or_event)


def variant_hash(group: Grouping, name: str) -> str | None:
    variant = group.variant(name)
    assert variant is not None, name
    return variant.hash
