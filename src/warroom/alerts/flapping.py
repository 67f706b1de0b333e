"""Flapping: an alert that fires and resolves many times in a window is marked, so it is
not re-paged each time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.alerts.dedup import Applied, Change
from warroom.alerts.history import History, count_events
from warroom.alerts.models import AlertEventKind
from warroom.config import FlappingSettings

STATE_CHANGES = (AlertEventKind.OPENED, AlertEventKind.RESOLVED)


def changes_state(applied: Applied, settings: FlappingSettings) -> bool:
    """The batch opened or resolved the alert (the first episode of an identity has one
    state change: it cannot be flapping yet)."""
    if applied.change is Change.RESOLVED:
        return True
    first_and_steady = applied.first_episode and settings.transitions > 1
    return applied.change is Change.OPENED and not first_and_steady


def update(
    session: Session,
    integration: str,
    batch: Sequence[Applied],
    settings: FlappingSettings,
    history: History,
    now: datetime,
) -> None:
    """Mark alerts flapping whose identity changed state ``settings.transitions`` times
    within ``settings.within`` (the batch's own lines are written already); a new episode
    of a flapping identity stays flapping."""
    changed = [applied for applied in batch if changes_state(applied, settings)]
    if not changed:
        return
    identities = [applied.alert.identity for applied in changed]
    counts = count_events(session, integration, identities, STATE_CHANGES, now - settings.within)
    for applied in changed:
        alert = applied.alert
        count = counts.get(alert.identity, 0)
        flapping = count >= settings.transitions
        if flapping and not alert.flapping:
            alert.flapping = True
            text = f"flapping: {count} state changes within {settings.within}"
            history.add(alert, AlertEventKind.FLAPPING, text, detail={"transitions": count})
        elif not flapping and alert.flapping:
            alert.flapping = False
