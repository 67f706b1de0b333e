"""Alert rows to API shapes."""

from __future__ import annotations

from datetime import datetime

from warroom.alerts.models import Alert, AlertEvent, Silence
from warroom.alerts.schemas import AlertEventOut, AlertOut, SilenceOut
from warroom.alerts.service import is_active


def alert_out(
    alert: Alert, refs: dict[int, str], events: list[AlertEvent] | None = None
) -> AlertOut:
    return AlertOut(
        id=alert.id,
        integration=alert.integration,
        source=alert.source,
        identity=alert.identity,
        status=alert.status,
        title=alert.title,
        description=alert.description,
        severity=alert.severity,
        environment=alert.environment,
        labels=alert.labels or {},
        annotations=alert.annotations or {},
        links=alert.links or [],
        group_key=alert.group_key,
        team=alert.team,
        service=alert.service,
        routed_by=alert.routed_by or {},
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        first_seen_at=alert.first_seen_at,
        last_seen_at=alert.last_seen_at,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=alert.resolved_at,
        occurrences=alert.occurrences,
        flapping=alert.flapping,
        muted_by=alert.muted_by,
        rule=alert.rule,
        decision=alert.decision,
        incident=refs.get(alert.incident_id) if alert.incident_id else None,
        events=None
        if events is None
        else [AlertEventOut(at=e.at, kind=e.kind, text=e.text, detail=e.detail) for e in events],
    )


def silence_out(silence: Silence, now: datetime) -> SilenceOut:
    return SilenceOut(
        id=silence.id,
        kind=silence.kind,
        matchers=list(silence.matchers),
        service=silence.service,
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        comment=silence.comment,
        created_by=silence.created_by,
        created_at=silence.created_at,
        expired_at=silence.expired_at,
        active=is_active(silence, now),
    )
