"""Responders' feedback on detections: "not useful" lowers the monitor's sensitivity one
notch (:data:`NOTCH`), never below its ``sensitivity_min``; every mark is counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.config import AnomalyMonitor
from warroom.detect.metrics.models import MonitorTuning

NOTCH = 0.1


def mark_not_useful(session: Session, monitor: AnomalyMonitor, now: datetime) -> MonitorTuning:
    tuning = session.get(MonitorTuning, monitor.name, with_for_update=True)
    if tuning is None:
        tuning = MonitorTuning(
            monitor=monitor.name, sensitivity=monitor.sensitivity, not_useful=0, updated_at=now
        )
        session.add(tuning)
    tuning.sensitivity = max(monitor.sensitivity_min, round(tuning.sensitivity - NOTCH, 6))
    tuning.not_useful += 1
    tuning.updated_at = now
    session.flush()
    return tuning


def not_useful_counts(session: Session) -> dict[str, int]:
    """Per monitor name, how many detections responders marked not useful."""
    rows = session.execute(
        select(MonitorTuning.monitor, func.sum(MonitorTuning.not_useful)).group_by(
            MonitorTuning.monitor
        )
    )
    return {name: int(count or 0) for name, count in rows}
