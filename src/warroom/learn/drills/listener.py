"""The incident listener of drills: a drill incident that opens is linked to its run; one
that resolves ends its run, which is scored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.enums import IncidentStatus, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.models import Incident
from warroom.learn.drills import service
from warroom.learn.drills.models import DrillRun, RunEnd, RunStatus

ENDING = frozenset({IncidentStatus.RESOLVED.value, IncidentStatus.CLOSED.value})


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    if not incident.drill:
        return
    if event.kind is TimelineKind.DECLARED:
        service.link(session, incident)
        return
    if event.kind is TimelineKind.STATUS_CHANGED and event.new_status in ENDING:
        run = session.scalar(
            select(DrillRun)
            .where(DrillRun.incident_id == incident.id, DrillRun.status == RunStatus.RUNNING)
            .with_for_update()
        )
        if run is not None:
            service.finish(session, config, run, RunEnd.RESOLVED, now)
