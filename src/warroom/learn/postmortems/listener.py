"""Incident events the postmortem reacts to: a resolved incident whose severity requires a
postmortem gets its draft at once (with the reviewer and due date), so the team starts from
the record rather than a blank page; its reviewer is reminded before it is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.models import Incident
from warroom.learn.postmortems import policy, reminders, service


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    if event.kind is not TimelineKind.STATUS_CHANGED:
        return
    if event.new_status != IncidentStatus.RESOLVED.value or not policy.required(config, incident):
        return
    postmortem, made = service.ensure_draft(session, config, incident, None, now)
    if not made and postmortem.due_at is None:
        postmortem.due_at = policy.due_at(config, incident)
    session.flush()
    reminders.schedule_for(session, config, postmortem, now)
