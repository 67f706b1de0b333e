"""Every incident of a team with ``track_incidents`` gets an issue in the team's tracker
(the incident listener, ``warroom.app.INCIDENT_LISTENERS``).

A sync is queued when the incident is declared and when its title, summary, severity or
status change; the issue is closed while the incident is resolved or closed. The revision
is the number of timeline entries the incident has: it grows with every change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.models import Incident, TimelineEntry
from warroom.learn.trackers.enqueue import TrackerSubject, enqueue_tracker_sync
from warroom.learn.trackers.models import SubjectKind

SYNCED_KINDS = frozenset(
    {
        TimelineKind.DECLARED,
        TimelineKind.STATUS_CHANGED,
        TimelineKind.REOPENED,
        TimelineKind.SEVERITY_CHANGED,
        TimelineKind.FIELD_CHANGED,
    }
)
CLOSED_STATUSES = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    if event.kind not in SYNCED_KINDS:
        return
    team = config.team(incident.team)
    if team is None or not team.track_incidents or team.tracker is None:
        return
    if config.tracker(team.tracker) is None:
        return
    enqueue_tracker_sync(
        session, config, tracker=team.tracker, subject=subject_of(session, incident), now=now
    )


def subject_of(session: Session, incident: Incident) -> TrackerSubject:
    entries = session.scalar(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id)
    )
    body = incident.summary or ""
    facts = f"Severity {incident.severity}, status {incident.status.value}, team {incident.team}."
    return TrackerSubject(
        kind=SubjectKind.INCIDENT,
        id=incident.id,
        title=f"{incident.ref}: {incident.title}",
        body=f"{body}\n\n{facts}".strip(),
        closed=incident.status in CLOSED_STATUSES,
        url=f"/incidents/{incident.ref}",
        revision=int(entries or 0),
        labels=["incident", incident.severity],
    )
