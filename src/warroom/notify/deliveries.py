"""Reading the outbox and retrying dead letters (what the API and the pages share)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose
from warroom.notify.outbox import WAKE_OUTBOX
from warroom.notify.rendering import message_of
from warroom.problems import Conflict, NotFound

RETRYABLE = (DeliveryStatus.DEAD, DeliveryStatus.CANCELLED)


@dataclass(frozen=True)
class DeliveryFilter:
    statuses: tuple[DeliveryStatus, ...] = ()
    channel: Channel | None = None
    purpose: Purpose | None = None
    incident: str | None = None
    """``INC-N`` or the number."""


def search(
    session: Session, flt: DeliveryFilter, *, limit: int, offset: int
) -> tuple[list[Delivery], int]:
    """Newest first, and how many match."""
    stmt = select(Delivery)
    if flt.statuses:
        stmt = stmt.where(Delivery.status.in_(flt.statuses))
    if flt.channel is not None:
        stmt = stmt.where(Delivery.channel == flt.channel)
    if flt.purpose is not None:
        stmt = stmt.where(Delivery.purpose == flt.purpose)
    if flt.incident is not None:
        stmt = stmt.where(Delivery.incident_id == incidents.get(session, flt.incident).id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Delivery.id.desc()).limit(limit).offset(offset)))
    return rows, int(total)


def status_counts(session: Session) -> dict[str, int]:
    """Deliveries by status over the whole outbox."""
    found = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status.value: int(count) for status, count in found}


def incident_refs(session: Session, rows: list[Delivery]) -> dict[int, str]:
    ids = {row.incident_id for row in rows if row.incident_id is not None}
    if not ids:
        return {}
    found = session.execute(select(Incident.id, Incident.number).where(Incident.id.in_(ids)))
    return {incident_id: f"INC-{number}" for incident_id, number in found}


def subject(delivery: Delivery) -> str | None:
    value = message_of(delivery).get("subject")
    return value if isinstance(value, str) else None


def get(session: Session, delivery_id: int, *, for_update: bool = False) -> Delivery:
    delivery = session.get(Delivery, delivery_id, with_for_update=for_update)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id}", field="delivery_id")
    return delivery


def retry(session: Session, delivery_id: int, now: datetime) -> Delivery:
    """Send a dead (or cancelled) delivery again, now, with a fresh set of attempts; the
    outbox sender is woken when the caller commits."""
    delivery = get(session, delivery_id, for_update=True)
    if delivery.status not in RETRYABLE:
        raise Conflict(
            f"delivery {delivery_id} is {delivery.status.value}; only dead or cancelled "
            "deliveries can be retried",
            field="delivery_id",
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.due_at = now
    delivery.lease_until = None
    session.info[WAKE_OUTBOX] = True
    return delivery
