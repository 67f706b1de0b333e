"""Routes: the outbox - what was sent to whom, what failed, and retrying dead letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.http.deps import NowDep, SessionDep, UserDep, WriterDep
from warroom.http.documented import conflict
from warroom.http.inputs import Offset, RowId
from warroom.notify import deliveries
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose
from warroom.notify.schemas import DeliveryOut, DeliveryPage

router = APIRouter(prefix="/api/v1", tags=["notifications"])
MAX_PAGE = 200


def delivery_out(delivery: Delivery, refs: dict[int, str]) -> DeliveryOut:
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
        subject=deliveries.subject(delivery),
        payload=delivery.payload,
        response=delivery.response,
    )


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(
    session: SessionDep,
    _user: UserDep,
    status_: Annotated[list[DeliveryStatus] | None, Query(alias="status")] = None,
    channel: Channel | None = None,
    purpose: Purpose | None = None,
    incident: Annotated[str | None, Query(description="INC-N or the number")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> DeliveryPage:
    """Newest first. Dead letters: ``status=dead``."""
    flt = deliveries.DeliveryFilter(tuple(status_ or ()), channel, purpose, incident)
    rows, total = deliveries.search(session, flt, limit=limit, offset=offset)
    refs = deliveries.incident_refs(session, rows)
    return DeliveryPage(
        items=[delivery_out(row, refs) for row in rows],
        total=total,
        counts=deliveries.status_counts(session),
    )


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(delivery_id: RowId, session: SessionDep, _user: UserDep) -> DeliveryOut:
    delivery = deliveries.get(session, delivery_id)
    return delivery_out(delivery, deliveries.incident_refs(session, [delivery]))


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    responses=conflict("Only dead or cancelled deliveries can be retried."),
)
def retry_delivery(
    delivery_id: RowId, session: SessionDep, _user: WriterDep, now: NowDep
) -> DeliveryOut:
    """Send a dead (or cancelled) delivery again, now, with a fresh set of attempts."""
    delivery = deliveries.retry(session, delivery_id, now)
    session.commit()
    return delivery_out(delivery, deliveries.incident_refs(session, [delivery]))
