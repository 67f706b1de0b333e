"""Alerts (deduplicated signals), their history, and silences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.db.base import Base
from warroom.db.types import str_enum
from warroom.ingest.models import SourceKind


class AlertStatus(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertDecision(StrEnum):
    """What the alert rules made of the alert (the latest decision)."""

    PENDING = "pending"
    INCIDENT = "incident"
    ATTACHED = "attached"
    NOTIFY = "notify"
    TICKET = "ticket"
    MUTED = "muted"
    WAITING = "waiting"
    UNMATCHED = "unmatched"
    FLAPPING = "flapping"


class AlertEventKind(StrEnum):
    OPENED = "opened"
    OCCURRED = "occurred"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    ROUTED = "routed"
    MUTED = "muted"
    FLAPPING = "flapping"
    DECIDED = "decided"


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # At most one open alert per identity: after it resolves, the same key opens a new one.
        Index(
            "uq_alerts_open_identity",
            "integration",
            "identity",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_alerts_identity", "integration", "identity", "id"),
        # Alert rules attach an alert to the open incident of its group (the group key).
        Index("ix_alerts_group", "integration", "group_key", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    source: Mapped[SourceKind] = mapped_column(str_enum(SourceKind))
    identity: Mapped[str] = mapped_column(String(255))
    status: Mapped[AlertStatus] = mapped_column(str_enum(AlertStatus), index=True)
    title: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str | None] = mapped_column(String(64))
    environment: Mapped[str | None] = mapped_column(String(64))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    group_key: Mapped[str | None] = mapped_column(String(1024))
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    service: Mapped[str | None] = mapped_column(String(64), index=True)
    routed_by: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    last_starts_at: Mapped[datetime | None]
    """The start its latest occurrence reported (Alertmanager re-sends a firing alert with
    the same startsAt: only a later one is a new occurrence)."""
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    last_signal_hash: Mapped[str | None] = mapped_column(String(64))
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    muted_by: Mapped[str | None] = mapped_column(String(255))
    rule: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[AlertDecision] = mapped_column(str_enum(AlertDecision))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )

    events: Mapped[list[AlertEvent]] = relationship(
        order_by="AlertEvent.id", cascade="all, delete-orphan", lazy="raise_on_sql"
    )


class AlertEvent(Base):
    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    kind: Mapped[AlertEventKind] = mapped_column(str_enum(AlertEventKind))
    text: Mapped[str] = mapped_column(Text)
    signal_id: Mapped[int | None]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SilenceKind(StrEnum):
    SILENCE = "silence"
    MAINTENANCE = "maintenance"


class Silence(Base):
    """Alerts matching every matcher between starts_at and ends_at are kept but start nothing.
    A maintenance window is a silence on one service."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SilenceKind] = mapped_column(str_enum(SilenceKind))
    matchers: Mapped[list[str]] = mapped_column(JSON)
    service: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expired_at: Mapped[datetime | None]
