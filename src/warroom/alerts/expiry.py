"""Alerts that carry an end time (Alertmanager's v2 API: Prometheus re-sends a firing alert
with a later ``endsAt`` while it fires) resolve by themselves once that time passes without
a refresh — as Alertmanager resolves them.

An alert has one expiry timer at a time: set when it first gets an end time, and set again
for the later end when it fires while the sender has moved the end (a storm's re-sends cost
no timer each).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from sqlalchemy.orm import Session

from warroom.alerts.dedup import Applied, Change
from warroom.alerts.models import Alert, AlertStatus
from warroom.alerts.state import AlertRow
from warroom.config import Config
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import SignalIn, persist
from warroom.jobs.queue import schedule, schedule_many

EXPIRY_JOB = "alert_expiry"


class ExpiryPayload(TypedDict):
    """Job ``alert_expiry``: alert ``alert_id`` resolves now unless its end moved."""

    alert_id: int


def _key(alert: AlertRow | Alert, ends_at: datetime) -> str:
    return f"{EXPIRY_JOB}:{alert.id}:{ends_at.isoformat()}"


def schedule_all(session: Session, batch: Sequence[Applied], now: datetime) -> None:
    """Timers for the batch's alerts that got an end time, or an earlier one than their
    timer's (the alerts have their ids)."""
    jobs = []
    for applied in batch:
        alert = applied.alert
        if applied.change is Change.RESOLVED or alert.status is AlertStatus.RESOLVED:
            continue
        if alert.ends_at is None or alert.ends_at <= now:
            continue
        before = applied.ends_at_before
        if before is not None and before <= alert.ends_at:
            continue  # its timer is due first and sets itself again for the later end
        payload = ExpiryPayload(alert_id=alert.id)
        jobs.append((alert.ends_at, payload, _key(alert, alert.ends_at)))
    schedule_many(session, EXPIRY_JOB, jobs, now)


def alert_expiry(session: Session, _config: Config, payload: ExpiryPayload, now: datetime) -> None:
    """Resolve through the pipeline (a resolve signal), unless a later signal moved the end:
    then the timer is set again for that end."""
    alert = session.get(Alert, payload["alert_id"])
    if alert is None or alert.status is AlertStatus.RESOLVED or alert.ends_at is None:
        return
    if alert.ends_at > now:
        key = _key(alert, alert.ends_at)
        schedule(session, EXPIRY_JOB, alert.ends_at, now, ExpiryPayload(alert_id=alert.id), key=key)
        return
    signal = SignalIn(
        action=SignalAction.RESOLVE,
        identity=alert.identity,
        title=alert.title,
        ends_at=alert.ends_at,
        details={"reason": "endsAt passed without a refresh from the sender"},
    )
    persist(session, alert.integration, alert.source, [signal], now)
