"""The one way to lock an incident row before changing it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from warroom.incidents.models import Incident


def lock_incident(session: Session, incident_id: int) -> Incident | None:
    """The incident, row-locked on PostgreSQL (SQLite's write lock serialises anyway) and
    read afresh, so what we read is what the last committed change left. One query: its
    collections load when touched (a joined load cannot sit beside FOR UPDATE on
    PostgreSQL, and most callers never touch them)."""
    stmt = (
        select(Incident)
        .where(Incident.id == incident_id)
        .options(lazyload("*"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()
