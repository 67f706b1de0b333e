"""The mark a game-day drill puts on what it injects.

A drill's alert carries the label ``warroom_drill`` (its value is the drill run's token);
a drill's error event carries the tag of the same name. Whatever opens an incident from a
signal with that mark opens a drill incident (``incidents.drill``), so every notification
and page it causes says DRILL. PagerDuty Events v2 has no labels: the parser keeps
``payload.custom_details.warroom_drill`` as the label.
"""

from __future__ import annotations

from collections.abc import Mapping

DRILL_LABEL = "warroom_drill"
MAX_TOKEN = 64


def drill_token(labels: Mapping[str, str] | None) -> str | None:
    """The drill run's token in an alert's labels (or an event's tags), if it is a drill."""
    value = (labels or {}).get(DRILL_LABEL)
    return value[:MAX_TOKEN] if value else None
