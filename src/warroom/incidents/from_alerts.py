"""Incidents opened from alerts: declaring, attaching, and following their resolution."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from warroom.alerts.models import Alert, AlertStatus
from warroom.config import Config
from warroom.incidents import actions, timeline
from warroom.incidents.commands import DeclareIncident
from warroom.incidents.enums import IncidentAction, TimelineKind
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident, IncidentService
from warroom.incidents.service import declare


def _summary(alert: Alert) -> str:
    parts = [alert.description] if alert.description else []
    for key in ("summary", "description"):
        value = (alert.annotations or {}).get(key)
        if value and value not in parts:
            parts.append(value)
    return "\n\n".join(parts)


def declare_from_alert(
    session: Session, config: Config, alert: Alert, severity: str, rule: str, now: datetime
) -> Incident:
    assert alert.team is not None
    services = [alert.service] if alert.service and config.service(alert.service) else []
    detected = alert.first_seen_at
    # The worker's round may have started a moment before this alert was received.
    now = max(now, detected)
    data = DeclareIncident(
        title=alert.title[:300],
        severity=severity,
        team=alert.team,
        services=services,
        summary=_summary(alert),
        impact_started_at=min(alert.starts_at, detected),
        detected_at=detected,
    )
    incident = declare(session, config, None, data, now)
    link(session, incident, alert, rule, now)
    return incident


def link(session: Session, incident: Incident, alert: Alert, rule: str, now: datetime) -> None:
    alert.incident_id = incident.id
    text = f"alert {alert.id} attached by rule {rule}: {alert.title}"
    if alert.starts_at < incident.impact_started_at:
        before = timeline.stamp(incident.impact_started_at)
        incident.impact_started_at = alert.starts_at
        text += f"; impact start moved to {alert.starts_at.isoformat()}"
        after: dict[str, object] = {"impact_started_at": timeline.stamp(alert.starts_at)}
        timeline.record(
            session,
            incident,
            TimelineKind.ALERT_ATTACHED,
            None,
            text,
            now,
            before={"impact_started_at": before},
            after={**after, "alert": alert.id},
        )
        return
    timeline.record(
        session,
        incident,
        TimelineKind.ALERT_ATTACHED,
        None,
        text,
        now,
        after={"alert": alert.id, "source": alert.source.value, "integration": alert.integration},
    )


# The group's incidents come from the (integration, group_key, incident_id) index alone: a
# storm group of thousands of alerts has a handful of incidents. Built once (hot path).
GROUP_INCIDENTS = (
    select(Alert.incident_id)
    .where(
        Alert.integration == bindparam("integration"),
        Alert.group_key == bindparam("group_key"),
        Alert.incident_id.is_not(None),
    )
    .distinct()
)
OPEN_INCIDENT_OF_GROUP = (
    select(Incident)
    .where(Incident.id.in_(GROUP_INCIDENTS), Incident.status.in_(OPEN_STATUSES))
    .order_by(Incident.number.desc())
    .limit(1)
    # Its collections load if touched; attaching an alert never does.
    .options(lazyload("*"))
)


def open_incident_for_group(session: Session, alert: Alert) -> Incident | None:
    """The open incident that has an alert of the same integration and group key (the
    newest if several). The alert asking has no incident yet, so it never finds itself."""
    if not alert.group_key:
        return None
    params = {"integration": alert.integration, "group_key": alert.group_key}
    return session.scalar(OPEN_INCIDENT_OF_GROUP, params)


def open_incident_for_service(
    session: Session, alert: Alert, window: timedelta, now: datetime
) -> Incident | None:
    """The newest open incident of the alert's service declared within ``window``."""
    if not alert.service:
        return None
    stmt = (
        select(Incident)
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .where(
            IncidentService.service == alert.service,
            Incident.status.in_(OPEN_STATUSES),
            Incident.declared_at >= now - window,
        )
        .order_by(Incident.number.desc())
        .limit(1)
        .options(lazyload("*"))
    )
    return session.scalar(stmt)


def on_alert_resolved(
    session: Session, config: Config, alert: Alert, now: datetime
) -> Incident | None:
    """Record the resolution; once every linked alert has resolved, act as configured."""
    if alert.incident_id is None:
        return None
    incident = session.scalar(
        select(Incident).where(Incident.id == alert.incident_id).with_for_update(of=Incident)
    )
    if incident is None:
        return None
    timeline.record(
        session,
        incident,
        TimelineKind.ALERT_RESOLVED,
        None,
        f"alert {alert.id} resolved: {alert.title}",
        now,
        after={"alert": alert.id},
    )
    session.flush()
    still_open = session.scalar(
        select(Alert.id)
        .where(Alert.incident_id == incident.id, Alert.status != AlertStatus.RESOLVED)
        .limit(1)
    )
    if still_open is not None or incident.status not in OPEN_STATUSES:
        return incident
    policy = config.alerts.on_all_resolved.value
    timeline.record(
        session,
        incident,
        TimelineKind.ALERTS_RESOLVED,
        None,
        f"every linked alert has resolved (on_all_resolved: {policy})",
        now,
    )
    target = {"mitigate": IncidentAction.MITIGATE, "resolve": IncidentAction.RESOLVE}.get(policy)
    if target is IncidentAction.MITIGATE and incident.status.value == "mitigated":
        return incident
    if target is not None:
        actions.apply_action(
            session, config, None, incident, target, now, reason="every linked alert has resolved"
        )
    return incident
