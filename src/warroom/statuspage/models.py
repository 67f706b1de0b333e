"""Email subscribers of a status page (double opt-in)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    """Asked to subscribe; the confirmation email's link was not followed yet."""
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class StatusSubscriber(Base):
    """One email address subscribed to one status page (by the page's slug)."""

    __tablename__ = "status_subscribers"
    __table_args__ = (
        UniqueConstraint("page", "email"),
        Index("ix_status_subscribers_page_sent", "page", "confirmation_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page: Mapped[str] = mapped_column(String(63))
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[SubscriberStatus] = mapped_column(str_enum(SubscriberStatus))
    created_at: Mapped[datetime]
    confirmation_sent_at: Mapped[datetime | None]
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)
    """Confirmation emails sent so far (their outbox keys count with it)."""
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
