"""Reading the audit log, newest first, a page at a time (the API and the page share it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.audit_models import AuditAction, AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    action: AuditAction | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(
    session: Session, flt: AuditFilter, limit: int, cursor: int | None
) -> tuple[list[AuditEntry], int | None]:
    """Up to ``limit`` entries older than ``cursor`` (an entry id), and the next cursor."""
    stmt = select(AuditEntry)
    if flt.actor is not None:
        stmt = stmt.where(AuditEntry.actor == flt.actor)
    if flt.object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == flt.object_type)
    if flt.object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == flt.object_id)
    if flt.action is not None:
        stmt = stmt.where(AuditEntry.action == flt.action)
    if flt.since is not None:
        stmt = stmt.where(AuditEntry.at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(AuditEntry.at < flt.until)
    if cursor is not None:
        stmt = stmt.where(AuditEntry.id < cursor)
    rows = list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
