"""State of each heartbeat integration."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class HeartbeatState(StrEnum):
    WAITING = "waiting"
    UP = "up"
    DOWN = "down"


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    integration: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[HeartbeatState] = mapped_column(str_enum(HeartbeatState))
    last_beat_at: Mapped[datetime | None]
    expected_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    beats: Mapped[int] = mapped_column(default=0)
