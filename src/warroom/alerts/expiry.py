"""Alerts that carry an end time (Alertmanager's v2 API: Prometheus re-sends a firing alert
with a later ``endsAt`` while it fires) resolve by themselves once that time passes without
a refresh — as Alertmanager resolves them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertStatus
from warroom.config import Config
from warroom.ingest.models import SignalAction
from warroom.ingest.signal import SignalIn, persist
from warroom.jobs.queue import schedule

EXPIRY_JOB = "alert_expiry"


def schedule_expiry(session: Session, alert: Alert, now: datetime) -> None:
    if alert.status is AlertStatus.RESOLVED or alert.ends_at is None or alert.ends_at <= now:
        return
    schedule(
        session,
        EXPIRY_JOB,
        alert.ends_at,
        now,
        {"alert_id": alert.id},
        key=f"{EXPIRY_JOB}:{alert.id}:{alert.ends_at.isoformat()}",
    )


def alert_expiry(session: Session, _config: Config, payload: dict[str, Any], now: datetime) -> None:
    """Resolve through the pipeline (a resolve signal), unless a later signal moved the end."""
    alert = session.get(Alert, int(payload["alert_id"]))
    if alert is None or alert.status is AlertStatus.RESOLVED:
        return
    if alert.ends_at is None or alert.ends_at > now:
        return
    signal = SignalIn(
        action=SignalAction.RESOLVE,
        identity=alert.identity,
        title=alert.title,
        ends_at=alert.ends_at,
        details={"reason": "endsAt passed without a refresh from the sender"},
    )
    persist(session, alert.integration, alert.source, [signal], now)
