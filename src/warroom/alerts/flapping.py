"""Flapping: an alert that fires and resolves many times in a window is marked, so it is
not re-paged each time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.dedup import count_events, record
from warroom.alerts.models import Alert, AlertEventKind

STATE_CHANGES = (AlertEventKind.OPENED, AlertEventKind.RESOLVED)


def previous_episode(session: Session, alert: Alert) -> Alert | None:
    stmt = (
        select(Alert)
        .where(
            Alert.integration == alert.integration,
            Alert.identity == alert.identity,
            Alert.id < alert.id,
        )
        .order_by(Alert.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def update(
    session: Session, alert: Alert, transitions: int, within: timedelta, now: datetime
) -> bool:
    """Mark the alert flapping when its identity changed state ``transitions`` times within
    ``within``; a new episode of a flapping identity stays flapping. Returns the flag."""
    session.flush()
    count = count_events(session, alert, STATE_CHANGES, now - within)
    flapping = count >= transitions
    if flapping and not alert.flapping:
        alert.flapping = True
        text = f"flapping: {count} state changes within {within}"
        record(session, alert, AlertEventKind.FLAPPING, text, now, detail={"transitions": count})
    elif not flapping and alert.flapping:
        alert.flapping = False
    return alert.flapping
