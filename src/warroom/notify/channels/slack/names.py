"""Slack channel names for incidents: ``inc-<number>-<slug of the title>``.

Slack's rules: lowercase letters, digits, hyphens and underscores, at most 80 characters.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALLOWED.sub("-", ascii_text.lower()).strip("-_")


def channel_name(number: int, title: str, attempt: int = 1) -> str:
    """The name to try; attempt 2, 3, ... adds ``-2``, ``-3`` (after a ``name_taken``)."""
    prefix = f"inc-{number}"
    suffix = "" if attempt <= 1 else f"-{attempt}"
    room = MAX_NAME - len(prefix) - len(suffix) - 1
    title_part = slug(title)[:room].rstrip("-_")
    name = f"{prefix}-{title_part}" if title_part else prefix
    return f"{name}{suffix}"
