"""Routes: the outbox - what was sent to whom, what failed, and retrying dead letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from warroom.http.deps import NowDep, SessionDep, UserDep, WriterDep
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose
from warroom.notify.outbox import WAKE_OUTBOX
from warroom.notify.rendering import message_of
from warroom.notify.schemas import DeliveryOut, DeliveryPage
from warroom.problems import Conflict, NotFound

router = APIRouter(prefix="/api/v1", tags=["notifications"])
MAX_PAGE = 200
RETRYABLE = (DeliveryStatus.DEAD, DeliveryStatus.CANCELLED)


def delivery_out(delivery: Delivery, refs: dict[int, str]) -> DeliveryOut:
    subject = message_of(delivery).get("subject")
    return DeliveryOut(
        id=delivery.id,
        key=delivery.key,
        channel=delivery.channel,
        target=delivery.target,
        purpose=delivery.purpose,
        status=delivery.status,
        attempts=delivery.attempts,
        max_attempts=delivery.max_attempts,
        last_error=delivery.last_error,
        due_at=delivery.due_at,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        incident=refs.get(delivery.incident_id) if delivery.incident_id else None,
        username=delivery.username,
        page_id=delivery.page_id,
        subject=subject if isinstance(subject, str) else None,
        payload=delivery.payload,
        response=delivery.response,
    )


def _refs(session: SessionDep, rows: list[Delivery]) -> dict[int, str]:
    ids = {row.incident_id for row in rows if row.incident_id is not None}
    if not ids:
        return {}
    found = session.execute(select(Incident.id, Incident.number).where(Incident.id.in_(ids)))
    return {incident_id: f"INC-{number}" for incident_id, number in found}


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(
    session: SessionDep,
    _user: UserDep,
    status_: Annotated[list[DeliveryStatus] | None, Query(alias="status")] = None,
    channel: Channel | None = None,
    purpose: Purpose | None = None,
    incident: Annotated[str | None, Query(description="INC-N or the number")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeliveryPage:
    """Newest first. Dead letters: ``status=dead``."""
    stmt = select(Delivery)
    if status_:
        stmt = stmt.where(Delivery.status.in_(status_))
    if channel is not None:
        stmt = stmt.where(Delivery.channel == channel)
    if purpose is not None:
        stmt = stmt.where(Delivery.purpose == purpose)
    if incident is not None:
        stmt = stmt.where(Delivery.incident_id == incidents.get(session, incident).id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Delivery.id.desc()).limit(limit).offset(offset)))
    counts = {
        status.value: count
        for status, count in session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
    }
    refs = _refs(session, rows)
    return DeliveryPage(
        items=[delivery_out(row, refs) for row in rows], total=int(total), counts=counts
    )


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(delivery_id: int, session: SessionDep, _user: UserDep) -> DeliveryOut:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id}", field="delivery_id")
    return delivery_out(delivery, _refs(session, [delivery]))


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
def retry_delivery(
    delivery_id: int, session: SessionDep, _user: WriterDep, now: NowDep
) -> DeliveryOut:
    """Send a dead (or cancelled) delivery again, now, with a fresh set of attempts."""
    delivery = session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound(f"no delivery {delivery_id}", field="delivery_id")
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
    session.commit()
    return delivery_out(delivery, _refs(session, [delivery]))
