"""API shapes of the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from warroom.notify.models import Channel, DeliveryStatus, Purpose


class DeliveryOut(BaseModel):
    id: int
    key: str
    channel: Channel
    target: str
    purpose: Purpose
    status: DeliveryStatus
    attempts: int
    max_attempts: int
    last_error: str | None
    due_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    incident: str | None
    username: str | None
    page_id: int | None
    subject: str | None
    payload: dict[str, Any]
    response: dict[str, Any] | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    counts: dict[str, int]
    """Deliveries by status over the whole outbox (not just this page)."""
