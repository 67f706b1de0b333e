"""What the incident page shows, gathered in one place (the page and its live stream
render the same context)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.auth.models import User
from warroom.auth.permissions import Permission, Principal
from warroom.config import Config
from warroom.errors.models import Issue
from warroom.errors.service import short_id
from warroom.escalation.views import escalation_out
from warroom.incidents import lifecycle, timeline, updates, views
from warroom.incidents.enums import Audience, IncidentAction, IncidentRole, TimestampField
from warroom.incidents.models import Incident, TimelineEntry
from warroom.incidents.schemas import IncidentOut
from warroom.learn.postmortems import policy as postmortem_policy
from warroom.learn.postmortems import service as postmortem_service
from warroom.learn.postmortems import similar
from warroom.notify.models import IncidentChannel
from warroom.statuspage.views import pages_showing

LINKED_SHOWN = 20
"""Linked alerts and error issues listed on the page (the counts cover all of them)."""


@dataclass(frozen=True)
class Summary:
    """A row of the incident list."""

    incident: IncidentOut
    lead: str | None


def summary(incident: Incident, now: datetime) -> Summary:
    out = views.incident_out(incident, now)
    lead = out.roles.get(IncidentRole.LEAD.value)
    return Summary(out, (lead.display_name or lead.username) if lead else None)


def allowed_actions(incident: Incident) -> list[IncidentAction]:
    return [a for a in IncidentAction if lifecycle.refusal(a, incident.status) is None]


def linked_alerts(session: Session, incident: Incident) -> tuple[int, list[Alert]]:
    total = session.scalar(
        select(func.count()).select_from(Alert).where(Alert.incident_id == incident.id)
    )
    rows = session.scalars(
        select(Alert)
        .where(Alert.incident_id == incident.id)
        .order_by(Alert.last_seen_at.desc())
        .limit(LINKED_SHOWN)
    )
    return int(total or 0), list(rows)


def linked_issues(
    session: Session, config: Config, incident: Incident
) -> tuple[int, list[dict[str, Any]]]:
    total = session.scalar(
        select(func.count()).select_from(Issue).where(Issue.incident_id == incident.id)
    )
    rows = session.scalars(
        select(Issue)
        .where(Issue.incident_id == incident.id)
        .order_by(Issue.last_seen.desc())
        .limit(LINKED_SHOWN)
    )
    issues = [
        {
            "short_id": short_id(config.project_by_id(issue.project_id), issue),
            "id": issue.id,
            "title": issue.title,
            "culprit": issue.culprit,
            "status": issue.status.value,
            "times_seen": issue.times_seen,
            "users_seen": issue.users_seen,
            "last_seen": issue.last_seen,
        }
        for issue in rows
    ]
    return int(total or 0), issues


def slack_channel(session: Session, incident: Incident) -> IncidentChannel | None:
    return session.scalar(select(IncidentChannel).where(IncidentChannel.incident_id == incident.id))


def entries(session: Session, incident: Incident) -> list[TimelineEntry]:
    """Newest first: the war room reads from the top."""
    return list(reversed(timeline.entries(session, incident, pinned_only=False)))


def summary_context(incident: Incident, caller: Principal, now: datetime) -> dict[str, Any]:
    """What ``_summary.html`` shows (status, actions, who is on it, durations): all the live
    stream renders at each new entry, without the timeline and the linked rows."""
    out = views.incident_out(incident, now)
    me = caller.user.username
    return {
        "incident": out,
        "actions": allowed_actions(incident),
        "roles": [r.value for r in IncidentRole],
        "holders": out.roles,
        "is_participant": any(p.user.username == me for p in out.participants),
        "me": me,
        "can_act": caller.may(Permission.RESPOND),
    }


def context(
    session: Session, config: Config, incident: Incident, caller: Principal, now: datetime
) -> dict[str, Any]:
    """The whole incident page."""
    alert_count, alerts = linked_alerts(session, incident)
    issue_count, issues = linked_issues(session, config, incident)
    rows = entries(session, incident)
    return {
        **summary_context(incident, caller, now),
        "entries": rows,
        "pinned": [e for e in rows if e.pinned],
        "status_updates": list(reversed(updates.list_updates(session, incident))),
        "alerts": alerts,
        "alert_count": alert_count,
        "issues": issues,
        "issue_count": issue_count,
        "escalation": escalation_out(session, incident),
        "channel": slack_channel(session, incident),
        "severities": config.severities,
        "audiences": [a.value for a in Audience],
        "status_pages": pages_showing(config, incident.service_slugs),
        "timestamp_fields": [f.value for f in TimestampField],
        "users": list(session.scalars(select(User).order_by(User.username))),
        "people": [p.username for p in config.people],
        "policies": [p.slug for p in config.escalation_policies],
        "postmortem": postmortem_service.find(session, incident),
        "postmortem_required": postmortem_policy.required(config, incident),
        "similar": similar.similar(session, incident),
        "now": now,
    }
