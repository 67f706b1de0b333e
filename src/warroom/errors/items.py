"""Claiming pending error items for the worker: per project, oldest first, a batch at a
time (on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so several workers share a busy project)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warroom.ingest.sentry.models import ErrorItem, ItemKind, ItemOutcome


@dataclass
class ClaimedItem:
    id: int
    project_id: int
    kind: ItemKind
    event_id: str | None
    received_at: datetime
    headers: dict[str, Any]
    payload: bytes
    outcome: ItemOutcome | None = None
    reason: str | None = None

    def decided(self, outcome: ItemOutcome, reason: str | None = None) -> None:
        self.outcome, self.reason = outcome, (reason[:255] if reason else None)


def pending_projects(session: Session, kinds: Sequence[ItemKind]) -> list[int]:
    """Projects with pending items of ``kinds``, the one waiting longest first."""
    rows = session.execute(
        select(ErrorItem.project_id)
        .where(ErrorItem.processed_at.is_(None), ErrorItem.kind.in_(kinds))
        .group_by(ErrorItem.project_id)
        .order_by(func.min(ErrorItem.id))
    )
    return [project for (project,) in rows]


def claim(
    session: Session, project_id: int, kinds: Sequence[ItemKind], limit: int
) -> list[ClaimedItem]:
    query = (
        select(
            ErrorItem.id,
            ErrorItem.project_id,
            ErrorItem.kind,
            ErrorItem.event_id,
            ErrorItem.received_at,
            ErrorItem.headers,
            ErrorItem.payload,
        )
        .where(
            ErrorItem.processed_at.is_(None),
            ErrorItem.project_id == project_id,
            ErrorItem.kind.in_(kinds),
        )
        .order_by(ErrorItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [ClaimedItem(*row) for row in session.execute(query)]


def mark_processed(session: Session, items: Sequence[ClaimedItem], now: datetime) -> None:
    """Every claimed item gets its outcome and is no longer pending (one UPDATE per
    outcome, the payload dropped: the worker keeps what it made of it)."""
    groups: dict[tuple[ItemOutcome, str | None], list[int]] = {}
    for item in items:
        outcome = item.outcome or ItemOutcome.ACCEPTED
        groups.setdefault((outcome, item.reason), []).append(item.id)
    for (outcome, reason), ids in groups.items():
        session.execute(
            update(ErrorItem)
            .where(ErrorItem.id.in_(ids))
            .values(processed_at=now, outcome=outcome, reason=reason, payload=b"")
            .execution_options(synchronize_session=False)
        )
