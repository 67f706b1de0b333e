"""Similar past incidents, for the incident page: shared services, alert names and error
issues, and words of the title found in published postmortems. Each suggestion says why."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.errors.models import Issue
from warroom.incidents.models import Incident, IncidentService
from warroom.learn.postmortems import search
from warroom.learn.postmortems.models import Postmortem, PostmortemStatus

LOOK_BACK = timedelta(days=365)
WEIGHTS = {"service": 1.0, "alert": 2.0, "error": 3.0, "text": 2.0}
MAX_SUGGESTIONS = 5
SCANNED_ALERTS = 5000
"""Alerts of the look-back compared by name (newest first): bounds the work on a busy
installation."""


@dataclass
class Suggestion:
    incident: Incident
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    postmortem_id: int | None = None
    postmortem_published: bool = False


def _alert_name(alert_labels: dict[str, str], title: str) -> str:
    return alert_labels.get("alertname") or title


def similar(session: Session, incident: Incident, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    since = incident.detected_at - LOOK_BACK
    found: dict[int, Suggestion] = {}
    reasons: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    services = incident.service_slugs
    if services:
        for incident_id, service in session.execute(
            select(IncidentService.incident_id, IncidentService.service).where(
                IncidentService.service.in_(services), IncidentService.incident_id != incident.id
            )
        ):
            reasons[incident_id]["service"].add(service)

    names = {
        _alert_name(labels or {}, title)
        for labels, title in session.execute(
            select(Alert.labels, Alert.title).where(Alert.incident_id == incident.id).limit(200)
        )
    }
    if names:
        for other_id, labels, title in session.execute(
            select(Alert.incident_id, Alert.labels, Alert.title)
            .where(Alert.incident_id.is_not(None), Alert.incident_id != incident.id)
            .where(Alert.first_seen_at >= since)
            .order_by(Alert.first_seen_at.desc())
            .limit(SCANNED_ALERTS)
        ):
            name = _alert_name(labels or {}, title)
            if name in names and other_id is not None:
                reasons[other_id]["alert"].add(name)

    issue_titles = set(
        session.scalars(select(Issue.title).where(Issue.incident_id == incident.id).limit(100))
    )
    if issue_titles:
        for other_id, title in session.execute(
            select(Issue.incident_id, Issue.title).where(
                Issue.title.in_(issue_titles),
                Issue.incident_id.is_not(None),
                Issue.incident_id != incident.id,
            )
        ):
            if other_id is not None:
                reasons[other_id]["error"].add(title)

    for hit in search.search(session, incident.title, limit=20, any_word=True):
        if hit.incident_id != incident.id:
            reasons[hit.incident_id]["text"].add(hit.snippet)

    if not reasons:
        return []
    incidents = session.scalars(
        select(Incident).where(Incident.id.in_(reasons), Incident.detected_at >= since)
    )
    for other in incidents:
        why = reasons[other.id]
        suggestion = Suggestion(other)
        for kind, values in why.items():
            suggestion.score += WEIGHTS[kind] * min(len(values), 3)
            shown = ", ".join(sorted(values)[:3])
            label = {
                "service": "same service",
                "alert": "same alert",
                "error": "same error",
                "text": "its postmortem mentions",
            }[kind]
            suggestion.reasons.append(f"{label}: {shown}")
        found[other.id] = suggestion
    for postmortem_id, incident_id, status in session.execute(
        select(Postmortem.id, Postmortem.incident_id, Postmortem.status).where(
            Postmortem.incident_id.in_(found)
        )
    ):
        found[incident_id].postmortem_id = postmortem_id
        found[incident_id].postmortem_published = status is PostmortemStatus.PUBLISHED
    ranked = sorted(found.values(), key=lambda s: (-s.score, -s.incident.detected_at.timestamp()))
    return ranked[:limit]
