"""The size limits Sentry's ingestion (Relay) applies to an event's fields.

A string longer than its limit plus an allowance is cut to the limit, the last three
characters replaced by ``...`` (Relay's ``MaxChars``); tags past their limit are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MaxChars:
    limit: int
    allowance: int = 0


MESSAGE = MaxChars(8192, 200)
"""logentry message/formatted, exception value."""
SYMBOL = MaxChars(256, 20)
"""exception type and module, frame function and module."""
PATH = MaxChars(256, 40)
"""frame filename and abs_path."""
SUMMARY = MaxChars(1024, 100)
"""frame context lines."""
ENUM_LIKE = MaxChars(128)
"""release, transaction-like identifiers."""
LOGGER = MaxChars(64)
ENVIRONMENT = MaxChars(64)
DISTRIBUTION = MaxChars(64)

TAG_KEY_MAX_CHARS = 200
TAG_VALUE_MAX_CHARS = 200
MAX_BREADCRUMBS = 100
"""Sentry keeps the most recent hundred breadcrumbs (the SDKs' default ``max_breadcrumbs``)."""

MAX_SECS_IN_FUTURE = 60
"""A timestamp further than this ahead of receipt is clock drift: it becomes the receipt time."""
MAX_SECS_IN_PAST = 30 * 24 * 3600
"""A timestamp older than this (Relay's default retention window) becomes the receipt time."""

ELLIPSIS = "..."


def trim(value: str, max_chars: MaxChars) -> str:
    """Cut ``value`` the way Relay does: only past limit + allowance, to ``limit`` chars."""
    if len(value) <= max_chars.limit + max_chars.allowance:
        return value
    return value[: max_chars.limit - len(ELLIPSIS)] + ELLIPSIS
