"""Putting deliveries in the outbox.

Enqueueing happens in the transaction of the change that causes it (a page, an incident
event), so a delivery exists if and only if the change committed. ``key`` makes it
idempotent: a job that runs again enqueues nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose

WAKE_OUTBOX = "warroom.wake_outbox"
"""Session.info flag: after commit, wake the outbox sender (a delivery is due now)."""


def enqueue(
    session: Session,
    config: Config,
    *,
    channel: Channel,
    target: str,
    purpose: Purpose,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    due_at: datetime | None = None,
    incident_id: int | None = None,
    page_id: int | None = None,
    username: str | None = None,
) -> Delivery | None:
    """Add a delivery; None if one with ``key`` exists already."""
    if session.scalar(select(Delivery.id).where(Delivery.key == key)) is not None:
        return None
    delivery = Delivery(
        key=key,
        channel=channel,
        target=target,
        purpose=purpose,
        payload=payload,
        status=DeliveryStatus.PENDING,
        attempts=0,
        max_attempts=config.notifications.retry.max_attempts,
        due_at=due_at or now,
        created_at=now,
        incident_id=incident_id,
        page_id=page_id,
        username=username,
    )
    session.add(delivery)
    session.flush()
    if delivery.due_at <= now:
        session.info[WAKE_OUTBOX] = True
    return delivery
