"""Action items."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.auth.models import User
from warroom.db.base import Base
from warroom.db.types import str_enum


class ActionKind(StrEnum):
    PREVENT = "prevent"
    DETECT = "detect"
    MITIGATE = "mitigate"
    PROCESS = "process"


class ActionPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionItem(Base):
    """A follow-up of an incident, owned by a person of a team and due on a date; it may
    address one contributing factor. ``revision`` grows with every change (tracker sync
    keys use it)."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_team_status", "team", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    factor_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributing_factors.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date]
    priority: Mapped[ActionPriority] = mapped_column(str_enum(ActionPriority))
    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind))
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(Integer, default=1)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
