"""The incidents a figure covers, and their response times as the incident page shows them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident
from warroom.learn.insights.window import Window

NO_SERVICE = "(none)"


class Metric(StrEnum):
    """The response times, in seconds, as ``warroom.incidents.views.durations`` defines them."""

    TTD = "ttd"
    """Time to detect: impact_started_at to detected_at."""
    TTA = "tta"
    """Time to acknowledge: detected_at to acknowledged_at."""
    TTM = "ttm"
    """Time to mitigate: detected_at to mitigated_at."""
    TTR = "ttr"
    """Time to resolve: detected_at to resolved_at."""


class GroupBy(StrEnum):
    TEAM = "team"
    SERVICE = "service"
    SEVERITY = "severity"


def in_window(
    session: Session, window: Window, *, include_drills: bool = False
) -> Sequence[Incident]:
    """Incidents detected in the window (drills left out unless asked for)."""
    stmt = (
        select(Incident)
        .where(Incident.detected_at >= window.since, Incident.detected_at < window.until)
        .order_by(Incident.detected_at, Incident.id)
    )
    if not include_drills:
        stmt = stmt.where(Incident.drill.is_(False))
    return session.scalars(stmt).all()


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start is not None and end is not None else None


def duration(incident: Incident, metric: Metric) -> float | None:
    """One response time in seconds; None while the later moment has not happened."""
    if metric is Metric.TTD:
        return _seconds(incident.impact_started_at, incident.detected_at)
    end = {
        Metric.TTA: incident.acknowledged_at,
        Metric.TTM: incident.mitigated_at,
        Metric.TTR: incident.resolved_at,
    }[metric]
    return _seconds(incident.detected_at, end)


def group_keys(incident: Incident, group_by: GroupBy) -> list[str]:
    """The groups an incident counts in: one team, one severity, every affected service."""
    if group_by is GroupBy.TEAM:
        return [incident.team]
    if group_by is GroupBy.SEVERITY:
        return [incident.severity]
    return incident.service_slugs or [NO_SERVICE]
