"""Which team owns an error event, by the project's code-owner rules.

``path``, ``codeowners`` and ``module`` rules look at one frame: the top in-app frame (the
innermost in-app frame of the last exception's stack trace), or, when no frame is in app,
the innermost frame. (Sentry looks at every frame of every stack trace; warroom owns the
code where the error surfaced in the application, which is what a team can fix.) ``path``
and ``codeowners`` rules match the frame's ``filename`` or its ``abs_path``. ``url`` rules
match the request URL, ``tags.<key>`` rules the value of that tag.

As in Sentry, when several rules match, the **last** one wins: write general rules first
and the exceptions to them after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warroom.config.code_owners import (
    CODEOWNERS,
    MODULE,
    PATH,
    TAGS,
    URL,
    OwnershipRule,
)
from warroom.errors.frames import Frame, crash_frame


@dataclass(frozen=True)
class OwnerMatch:
    team: str | None
    """The first team of the winning rule, without ``#``; None when it names only people."""
    rule: str
    """The winning rule's text."""
    owners: tuple[str, ...] = ()


def match_owner(rules: Sequence[OwnershipRule], event: dict[str, Any]) -> OwnerMatch | None:
    """The owner by the last rule that matches ``event``, or None when none does."""
    frame = crash_frame(event)
    winner = None
    for rule in rules:
        if _matches(rule, event, frame):
            winner = rule
    if winner is None:
        return None
    teams = winner.teams
    return OwnerMatch(teams[0] if teams else None, winner.text, winner.owners)


def _matches(rule: OwnershipRule, event: dict[str, Any], frame: Frame | None) -> bool:
    if rule.kind in (PATH, CODEOWNERS):
        if frame is None:
            return False
        paths = {frame.get("filename"), frame.get("abs_path")}
        return any(isinstance(path, str) and path and rule.matches(path) for path in paths)
    if rule.kind == MODULE:
        module = frame.get("module") if frame is not None else None
        return isinstance(module, str) and bool(module) and rule.matches(module)
    if rule.kind == URL:
        url = (event.get("request") or {}).get("url")
        return isinstance(url, str) and bool(url) and rule.matches(url)
    if rule.kind == TAGS:
        return any(
            key == rule.key and isinstance(value, str) and rule.matches(value)
            for key, value in event.get("tags") or ()
        )
    return False
