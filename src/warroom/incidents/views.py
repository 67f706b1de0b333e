"""Turning incident rows into API shapes."""

from __future__ import annotations

from datetime import datetime

from warroom.auth.models import User
from warroom.incidents.enums import IncidentRole
from warroom.incidents.models import Incident, StatusUpdate, TimelineEntry
from warroom.incidents.people import current_holder
from warroom.incidents.schemas import (
    Durations,
    IncidentOut,
    ParticipantOut,
    Person,
    RoleOut,
    StatusUpdateOut,
    TimelineEntryOut,
    seconds,
)


def person(user: User) -> Person:
    return Person(username=user.username, display_name=user.display_name)


def _between(start: datetime | None, end: datetime | None) -> float | None:
    return seconds(end - start) if start is not None and end is not None else None


def durations(incident: Incident) -> Durations:
    """Time to detect from impact start; acknowledge, mitigate, resolve from detection."""
    return Durations(
        time_to_detect=_between(incident.impact_started_at, incident.detected_at),
        time_to_acknowledge=_between(incident.detected_at, incident.acknowledged_at),
        time_to_mitigate=_between(incident.detected_at, incident.mitigated_at),
        time_to_resolve=_between(incident.detected_at, incident.resolved_at),
    )


def incident_out(incident: Incident, now: datetime) -> IncidentOut:
    roles: dict[str, Person | None] = {}
    for role in IncidentRole:
        holder = current_holder(incident, role)
        roles[role.value] = person(holder.user) if holder else None
    due = incident.next_update_due_at
    return IncidentOut(
        ref=incident.ref,
        number=incident.number,
        title=incident.title,
        summary=incident.summary,
        severity=incident.severity,
        status=incident.status,
        team=incident.team,
        services=incident.service_slugs,
        impact_started_at=incident.impact_started_at,
        detected_at=incident.detected_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        declared_at=incident.declared_at,
        updated_at=incident.updated_at,
        declared_by=incident.declared_by.username if incident.declared_by else None,
        durations=durations(incident),
        detection_source=incident.detection_source,
        drill=incident.drill,
        last_update_at=incident.last_update_at,
        next_update_due_at=due,
        update_overdue=due is not None and now > due,
        last_public_update_at=incident.last_public_update_at,
        public_title=incident.public_title,
        roles=roles,
        role_history=[
            RoleOut(
                role=a.role,
                user=person(a.user),
                assigned_at=a.assigned_at,
                released_at=a.released_at,
            )
            for a in incident.role_assignments
        ],
        participants=[
            ParticipantOut(user=person(p.user), joined_at=p.joined_at)
            for p in incident.participants
        ],
        affected_users=incident.affected_users,
        affected_customers=incident.affected_customers,
        affected_features=list(incident.affected_features or []),
        affected_regions=list(incident.affected_regions or []),
        revenue_impact=incident.revenue_impact,
        alert_count=incident.alert_count,
    )


def timeline_entry_out(entry: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        id=entry.id,
        at=entry.at,
        kind=entry.kind,
        actor=entry.actor.username if entry.actor else None,
        text=entry.text,
        before=entry.before,
        after=entry.after,
        pinned=entry.pinned,
    )


def status_update_out(update: StatusUpdate) -> StatusUpdateOut:
    return StatusUpdateOut(
        id=update.id,
        at=update.at,
        text=update.text,
        audience=update.audience,
        status=update.status,
        author=update.author.username if update.author else None,
    )
