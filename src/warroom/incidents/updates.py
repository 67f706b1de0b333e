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
from warroom.problems import InvalidInput

MAX_PUBLIC_TITLE = 200


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
    public_title: str | None = None,
) -> StatusUpdate:
    """A status update; a public one shows on the status pages of the incident's services,
    under ``public_title`` once given (kept until a later public update changes it)."""
    title = (public_title or "").strip() or None
    if title is not None and audience is not Audience.PUBLIC:
        raise InvalidInput("public_title is only for public updates", field="public_title")
    if title is not None and len(title) > MAX_PUBLIC_TITLE:
        raise InvalidInput(
            f"public_title must be at most {MAX_PUBLIC_TITLE} characters", field="public_title"
        )
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
    session.flush()
    incident.last_update_at = now
    after: dict[str, object] = {"audience": audience.value, "update_id": update.id}
    if audience is Audience.PUBLIC:
        incident.last_public_update_at = now
        if title is not None and title != incident.public_title:
            incident.public_title = after["public_title"] = title
    cadence.refresh(incident, config)
    after["next_update_due_at"] = timeline.stamp(incident.next_update_due_at)
    timeline.record(
        session,
        incident,
        TimelineKind.STATUS_UPDATE,
        actor,
        f"{audience.value} update by {actor.username}: {text}",
        now,
        after=after,
    )
    return update


def list_updates(session: Session, incident: Incident) -> list[StatusUpdate]:
    stmt = (
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident.id)
        .order_by(StatusUpdate.at, StatusUpdate.id)
    )
    return list(session.scalars(stmt))
