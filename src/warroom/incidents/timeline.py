"""Writing the timeline: every change to an incident leaves an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.db.base import table_of
from warroom.incidents import events
from warroom.incidents.enums import TimelineKind
from warroom.incidents.models import Incident, TimelineEntry
from warroom.problems import NotFound

TIMELINE_TABLE = table_of(TimelineEntry)


def record(
    session: Session,
    incident: Incident,
    kind: TimelineKind,
    actor: User | None,
    text: str,
    now: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    pinned: bool = False,
) -> None:
    """Adds an entry and publishes it as an incident event.

    The row is written at once by a plain INSERT on the session's connection: entries are
    never read back through the session that writes them, and the ORM's flush of a row
    costs several times as much on the alert pipeline's hot path. It does not flush the
    session's pending rows, except an incident (or acting user) not yet written, which the
    entry refers to."""
    if incident.id is None or (actor is not None and actor.id is None):
        session.flush()
    row = _row(incident, kind, actor, text, now, before=before, after=after, pinned=pinned)
    session.connection().execute(insert(TIMELINE_TABLE), row)
    _published(session, incident, kind, actor, now, before, after)


def record_entry(
    session: Session,
    incident: Incident,
    kind: TimelineKind,
    actor: User | None,
    text: str,
    now: datetime,
    *,
    pinned: bool = False,
) -> TimelineEntry:
    """``record`` for a caller that answers with the entry (an ORM object, flushed with the
    session): meant as the last entry of its transaction, as entries written by ``record``
    meanwhile would come before it."""
    entry = TimelineEntry(**_row(incident, kind, actor, text, now, pinned=pinned), actor=actor)
    session.add(entry)
    _published(session, incident, kind, actor, now, None, None)
    return entry


def _row(
    incident: Incident,
    kind: TimelineKind,
    actor: User | None,
    text: str,
    now: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    pinned: bool = False,
) -> dict[str, Any]:
    """The entry's column values."""
    return {
        "incident_id": incident.id,
        "at": now,
        "kind": kind,
        "actor_id": actor.id if actor else None,
        "text": text,
        "before": before,
        "after": after,
        "pinned": pinned,
    }


def _published(
    session: Session,
    incident: Incident,
    kind: TimelineKind,
    actor: User | None,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    incident.updated_at = now
    events.publish(
        session,
        events.IncidentEvent(
            incident_id=incident.id,
            kind=kind,
            at=now,
            actor=actor.username if actor else None,
            before=before or {},
            after=after or {},
        ),
    )


def entries(
    session: Session, incident: Incident, *, pinned_only: bool = False
) -> list[TimelineEntry]:
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
    if pinned_only:
        stmt = stmt.where(TimelineEntry.pinned.is_(True))
    return list(session.scalars(stmt.order_by(TimelineEntry.at, TimelineEntry.id)))


def set_pinned(session: Session, incident: Incident, entry_id: int, pinned: bool) -> TimelineEntry:
    entry = session.get(TimelineEntry, entry_id)
    if entry is None or entry.incident_id != incident.id:
        raise NotFound(f"{incident.ref} has no timeline entry {entry_id}", field="entry_id")
    entry.pinned = pinned
    return entry


SYSTEM_ACTOR = "warroom"


def actor_name(actor: User | None) -> str:
    """Who did it, for timeline texts: a person, or warroom itself (alerts, rules, timers)."""
    return actor.username if actor is not None else SYSTEM_ACTOR


def stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
