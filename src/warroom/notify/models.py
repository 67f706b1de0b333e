"""The outbox: one row per delivery to one target through one channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class Channel(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    WEBHOOK = "webhook"
    TRACKER = "tracker"
    """An issue tracker (warroom.learn.trackers); its sender is added by app.py."""


class Purpose(StrEnum):
    PAGE = "page"
    BROADCAST = "broadcast"
    REMINDER = "reminder"
    EVENT = "event"
    """An outgoing-webhook incident event."""
    STATUS_PAGE = "status_page"
    """A status page's email to a subscriber: a confirmation, or a public update."""
    TRACKER_SYNC = "tracker_sync"
    """Create or update the tracker issue of an action item or incident."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    DEAD = "dead"
    """Every attempt failed: a dead letter, retryable by hand."""
    CANCELLED = "cancelled"


class Delivery(Base):
    """A message to deliver. ``key`` makes enqueueing idempotent; a worker claims the row
    (status sending, ``lease_until``) before it sends, so another worker skips it, and a
    worker that died mid-send leaves a lease that expires and the row is sent again."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    target: Mapped[str] = mapped_column(String(512))
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(64))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What the receiver answered that matters later (e.g. the Slack channel ID made)."""


class IncidentChannel(Base):
    """A chat channel made for one incident (Slack ``inc-<number>-<slug>``)."""

    __tablename__ = "incident_channels"
    __table_args__ = (UniqueConstraint("incident_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
