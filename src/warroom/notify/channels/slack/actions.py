"""What a Slack user can do to an incident, shared by the slash command and the buttons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.escalation.service import live_runs
from warroom.incidents import actions, timeline
from warroom.incidents.enums import IncidentAction, IncidentStatus, TimelineKind
from warroom.incidents.models import Incident
from warroom.problems import Conflict


def acknowledge(
    session: Session, config: Config, user: User, incident: Incident, now: datetime
) -> str:
    """Acknowledge like the email link: a triggered incident becomes acknowledged; an
    acknowledged one that is paging again (re-triggered, reassigned) stops paging."""
    if incident.status is IncidentStatus.TRIGGERED:
        actions.apply_action(session, config, user, incident, IncidentAction.ACKNOWLEDGE, now)
        return f"{user.username} acknowledged {incident.ref}"
    if live_runs(session, incident):
        timeline.record(
            session,
            incident,
            TimelineKind.PAGE_ACKNOWLEDGED,
            user,
            f"{user.username} acknowledged the page (Slack)",
            now,
            after={"user": user.username},
        )
        return f"{user.username} acknowledged the page for {incident.ref}"
    raise Conflict(
        f"{incident.ref} is {incident.status.value} and is not paging anyone", field="ref"
    )


def resolve(session: Session, config: Config, user: User, incident: Incident, now: datetime) -> str:
    actions.apply_action(session, config, user, incident, IncidentAction.RESOLVE, now)
    return f"{user.username} resolved {incident.ref}"
