"""Schedule tables: runtime overrides and the cached copies of external calendars."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base


class ScheduleOverride(Base):
    """``username`` covers a schedule from ``starts_at`` to ``ends_at`` - for ``replaces``
    only (a swap), or whoever is on call when ``replaces`` is None."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (Index("ix_schedule_overrides_window", "schedule", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    replaces: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]


class CalendarCache(Base):
    """The last fetched copy of a schedule's external iCal calendar."""

    __tablename__ = "calendar_cache"

    schedule: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
