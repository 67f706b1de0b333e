"""Status-update reminders: when an incident's next update is due and none was posted, remind
the communications lead (else the incident lead, else whoever acknowledged), then again every
``notifications.remind_every`` while it stays overdue.

For an incident on a status page at a severity that page wants public updates for (SEV1 and
SEV2 by default), a *public* update falls due on the same cadence (``cadence``); when that is
what is due, the reminder says so and names the status pages waiting for it.

Every incident event (re)schedules a reminder job at ``incidents.next_update_due_at``, keyed
by the incident and that instant, so a re-run never doubles it. A reminder job whose due
instant is no longer the incident's (an update was posted, the incident resolved) does
nothing; the update's own event scheduled the next one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.people import Person
from warroom.escalation.messenger import messenger
from warroom.escalation.paging import usable
from warroom.incidents import cadence, timeline
from warroom.incidents.enums import IncidentRole, IncidentStatus, TimelineKind
from warroom.incidents.events import IncidentEvent
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident, TimelineEntry
from warroom.incidents.people import ROLE_NAMES, current_holder
from warroom.jobs.queue import schedule

log = structlog.get_logger("warroom.escalation.reminders")

REMINDER_JOB = "update_reminder"
ACKNOWLEDGER = "who acknowledged"


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%S.%f}"


class ReminderPayload(TypedDict):
    """Job ``update_reminder``: reminder ``count + 1`` for the update due at ``due_at``
    (ISO 8601) of ``incident_id``."""

    incident_id: int
    due_at: str
    count: int


def schedule_reminder(
    session: Session, incident: Incident, due: datetime, count: int, at: datetime, now: datetime
) -> None:
    """Reminder ``count + 1`` for the update due at ``due``, run at ``at``."""
    schedule(
        session,
        REMINDER_JOB,
        at,
        now,
        ReminderPayload(incident_id=incident.id, due_at=due.isoformat(), count=count),
        key=f"update_reminder:{incident.id}:{_stamp(due)}:{count}",
    )


def on_incident_event(
    session: Session, config: Config, incident: Incident, event: IncidentEvent, now: datetime
) -> None:
    """Listener: make sure a reminder waits for the incident's next update."""
    due = incident.next_update_due_at
    if due is not None:
        schedule_reminder(session, incident, due, 0, due, now)


def _acknowledger(session: Session, incident: Incident) -> str | None:
    """Who acknowledged the incident (or its page) last."""
    stmt = (
        select(TimelineEntry)
        .where(
            TimelineEntry.incident_id == incident.id,
            TimelineEntry.kind.in_([TimelineKind.STATUS_CHANGED, TimelineKind.PAGE_ACKNOWLEDGED]),
            TimelineEntry.actor_id.is_not(None),
        )
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
    )
    for entry in session.scalars(stmt):
        after = entry.after or {}
        acked = entry.kind is TimelineKind.PAGE_ACKNOWLEDGED or (
            after.get("status") == IncidentStatus.ACKNOWLEDGED.value
        )
        if acked and entry.actor is not None:
            return entry.actor.username
    return None


def recipient(session: Session, config: Config, incident: Incident) -> tuple[Person, str] | None:
    """The first of: communications lead, incident lead, acknowledger, who is a configured
    person with a contact warroom can use; with the role it was picked for."""
    candidates: list[tuple[str, str]] = []
    for role in (IncidentRole.COMMS, IncidentRole.LEAD):
        holder = current_holder(incident, role)
        if holder is not None:
            candidates.append((holder.user.username, ROLE_NAMES[role]))
    acker = _acknowledger(session, incident)
    if acker is not None:
        candidates.append((acker, ACKNOWLEDGER))
    for username, picked_as in candidates:
        person = config.person(username)
        if person is not None and any(usable(c, config) for c in person.contacts):
            return person, picked_as
    return None


def update_reminder(
    session: Session, config: Config, payload: ReminderPayload, now: datetime
) -> None:
    """Job: the incident's status update is due; remind if it still is, then schedule the
    next reminder ``remind_every`` later."""
    incident = lock_incident(session, payload["incident_id"])
    if incident is None:
        return
    due = datetime.fromisoformat(payload["due_at"])
    if incident.next_update_due_at is None or incident.next_update_due_at != due:
        log.info("update_reminder_stale", incident=incident.ref)
        return
    count = payload["count"] + 1
    found = recipient(session, config, incident)
    late = now - due
    minutes = int(late.total_seconds() // 60)
    overdue = f"overdue by {minutes}m" if minutes else "due now"
    public_due = cadence.next_public_update_due(incident, config)
    pages = (
        [page.title for page in cadence.pages_wanting_public_updates(incident, config)]
        if public_due is not None and public_due <= now
        else []
    )
    what = "status update"
    if pages:
        what = f"public status update ({'status page' if len(pages) == 1 else 'status pages'} "
        what += ", ".join(pages) + ")"
    if found is None:
        # Nobody to reach (the incident shows the update is overdue); look again later, a
        # lead may be named by then.
        log.info("update_reminder_nobody", incident=incident.ref, due_at=due.isoformat())
    else:
        person, role = found
        key = f"reminder:{incident.id}:{_stamp(due)}:{count}"
        contacts = [c for c in person.contacts if usable(c, config)]
        sent = messenger().remind(
            session, config, incident, person, contacts, now, key, public_pages=pages
        )
        timeline.record(
            session,
            incident,
            TimelineKind.UPDATE_REMINDER,
            None,
            f"{what} {overdue}; reminded {person.username} ({role})",
            now,
            after={
                "due_at": due.isoformat(),
                "reminder": count,
                "username": person.username,
                "role": role,
                "deliveries": [d.delivery_id for d in sent],
                "public_pages": pages,
            },
        )
    schedule_reminder(session, incident, due, count, now + config.notifications.remind_every, now)
