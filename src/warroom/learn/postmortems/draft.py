"""The first draft of a postmortem, written from the incident's own record.

Summary and impact from the incident's fields; the durations; the timeline with pinned
entries first, then every status update, status and role change, the first alert and the
first error event, and the suspect deploy; the responders with their roles; the detection
review's facts that warroom knows (whether an alert fired, and when).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.errors.models import Issue
from warroom.incidents.enums import TimelineKind
from warroom.incidents.models import Incident, TimelineEntry
from warroom.learn.postmortems.content import (
    Answer,
    DetectionReview,
    Durations,
    PostmortemContent,
    Responder,
    TimelineLine,
    duration_text,
)

KEPT_KINDS = frozenset(
    {
        TimelineKind.DECLARED,
        TimelineKind.STATUS_CHANGED,
        TimelineKind.REOPENED,
        TimelineKind.SEVERITY_CHANGED,
        TimelineKind.STATUS_UPDATE,
        TimelineKind.ROLE_ASSIGNED,
        TimelineKind.ROLE_HANDED_OVER,
        TimelineKind.ROLE_RELEASED,
        TimelineKind.SUSPECT_DEPLOY,
        TimelineKind.TIMESTAMP_CORRECTED,
    }
)
"""Kinds of entries the draft keeps (besides pinned ones and the first alert and error)."""
FIRST_ONLY = frozenset({TimelineKind.ALERT_ATTACHED, TimelineKind.ISSUE_LINKED})


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start is not None and end is not None else None


def durations(incident: Incident) -> Durations:
    """The same definitions as the incident page: detect from impact start; acknowledge,
    mitigate and resolve from detection."""
    return Durations(
        time_to_detect=_seconds(incident.impact_started_at, incident.detected_at),
        time_to_acknowledge=_seconds(incident.detected_at, incident.acknowledged_at),
        time_to_mitigate=_seconds(incident.detected_at, incident.mitigated_at),
        time_to_resolve=_seconds(incident.detected_at, incident.resolved_at),
    )


def timeline_lines(session: Session, incident: Incident) -> list[TimelineLine]:
    entries = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    pinned: list[TimelineLine] = []
    kept: list[TimelineLine] = []
    seen_first: set[TimelineKind] = set()
    for entry in entries:
        line = TimelineLine(
            at=entry.at, text=entry.text, kind=entry.kind.value, pinned=entry.pinned
        )
        if entry.pinned:
            pinned.append(line)
        elif entry.kind in KEPT_KINDS:
            kept.append(line)
        elif entry.kind in FIRST_ONLY and entry.kind not in seen_first:
            seen_first.add(entry.kind)
            kept.append(line)
    first_alert = session.scalar(
        select(func.min(Alert.starts_at)).where(Alert.incident_id == incident.id)
    )
    if first_alert is not None:
        kept.append(TimelineLine(at=first_alert, text="First alert fired", kind="first_alert"))
    first_error = session.scalar(
        select(func.min(Issue.first_seen)).where(Issue.incident_id == incident.id)
    )
    if first_error is not None:
        kept.append(TimelineLine(at=first_error, text="First error event", kind="first_error"))
    kept.sort(key=lambda line: line.at)
    return pinned + kept


def responders(incident: Incident) -> list[Responder]:
    """Everyone who held a role or joined, in the order they came, with their roles."""
    found: dict[str, Responder] = {}
    for assignment in sorted(incident.role_assignments, key=lambda a: a.assigned_at):
        user = assignment.user
        responder = found.setdefault(
            user.username, Responder(username=user.username, display_name=user.display_name)
        )
        if assignment.role.value not in responder.roles:
            responder.roles.append(assignment.role.value)
    for participant in sorted(incident.participants, key=lambda p: p.joined_at):
        user = participant.user
        found.setdefault(
            user.username, Responder(username=user.username, display_name=user.display_name)
        )
    return list(found.values())


def impact_text(incident: Incident) -> str:
    lines: list[str] = []
    if incident.affected_users is not None:
        lines.append(f"- Affected users: {incident.affected_users}")
    if incident.affected_customers is not None:
        lines.append(f"- Affected customers: {incident.affected_customers}")
    if incident.affected_features:
        lines.append(f"- Affected features: {', '.join(incident.affected_features)}")
    if incident.affected_regions:
        lines.append(f"- Affected regions: {', '.join(incident.affected_regions)}")
    if incident.revenue_impact:
        lines.append("- Revenue impact: yes")
    if incident.service_slugs:
        lines.append(f"- Services: {', '.join(incident.service_slugs)}")
    end = incident.resolved_at or incident.mitigated_at
    if end is not None:
        lasted = duration_text((end - incident.impact_started_at).total_seconds())
        lines.append(f"- Impact from {incident.impact_started_at:%Y-%m-%d %H:%M} UTC for {lasted}")
    return "\n".join(lines)


def detection(session: Session, incident: Incident) -> DetectionReview:
    first_alert = session.scalar(
        select(func.min(Alert.starts_at)).where(Alert.incident_id == incident.id)
    )
    first_error = session.scalar(
        select(func.min(Issue.first_seen)).where(Issue.incident_id == incident.id)
    )
    fired = [moment for moment in (first_alert, first_error) if moment is not None]
    return DetectionReview(
        alert_fired=Answer.YES if fired else Answer.NO,
        first_alert_at=min(fired) if fired else None,
    )


def draft(session: Session, incident: Incident) -> PostmortemContent:
    return PostmortemContent(
        summary=incident.summary or incident.title,
        impact=impact_text(incident),
        durations=durations(incident),
        timeline=timeline_lines(session, incident),
        responders=responders(incident),
        detection=detection(session, incident),
    )


def refresh_facts(
    session: Session, incident: Incident, content: PostmortemContent
) -> PostmortemContent:
    """The parts warroom writes (durations, timeline, responders) brought up to date; what
    people wrote stays."""
    return content.model_copy(
        update={
            "durations": durations(incident),
            "timeline": timeline_lines(session, incident),
            "responders": responders(incident),
        }
    )
