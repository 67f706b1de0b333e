"""Notes and status updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.incidents import cadence, timeline
from warroom.incidents.enums import Audience, TimelineKind
from warroom.incidents.models import Incident, StatusUpdate, TimelineEntry


def add_note(
    session: Session, actor: User, incident: Incident, text: str, pinned: bool, now: datetime
) -> TimelineEntry:
    return timeline.record_entry(
        session, incident, TimelineKind.NOTE, actor, text, now, pinned=pinned
    )


def post_update(
    session: Session,
    config: Config,
    actor: User,
    incident: Incident,
    text: str,
    audience: Audience,
    now: datetime,
) -> StatusUpdate:
    update = StatusUpdate(
        incident_id=incident.id,
        at=now,
        text=text,
        audience=audience,
        status=incident.status,
        author_id=actor.id,
        author=actor,
    )
    session.add(update)
    incident.last_update_at = now
    cadence.refresh(incident, config)
    timeline.record(
        session,
        incident,
        TimelineKind.STATUS_UPDATE,
        actor,
        f"{audience.value} update by {actor.username}: {text}",
        now,
        after={
            "audience": audience.value,
            "next_update_due_at": timeline.stamp(incident.next_update_due_at),
        },
    )
    return update


def list_updates(session: Session, incident: Incident) -> list[StatusUpdate]:
    stmt = (
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident.id)
        .order_by(StatusUpdate.at, StatusUpdate.id)
    )
    return list(session.scalars(stmt))
