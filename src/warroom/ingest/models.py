"""Signals: what a sender said, normalised and durable before the sender gets its 2xx."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class SourceKind(StrEnum):
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"
    HEARTBEAT = "heartbeat"
    CRON = "cron"
    """Sentry cron monitors (check-ins) of an error-tracking project."""
    MONITOR = "monitor"
    """warroom's own monitors: a metric series left the band its detector expects."""
    LEARNING = "learning"
    """warroom's own learning layer: a contributing factor that recurs while its action
    items are open."""
    SLO = "slo"
    """warroom's own SLO burn-rate alerts (``warroom.detect.slo``)."""
    DETECT = "detect"
    """warroom's own detectors: capacity forecasts, queues not draining."""


class SignalAction(StrEnum):
    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class SignalOutcome(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    DROPPED = "dropped"


class Signal(Base):
    """One alert state report from a sender. The worker turns it into alert changes."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_pending", "processed_at", "integration", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    source: Mapped[SourceKind] = mapped_column(str_enum(SourceKind))
    action: Mapped[SignalAction] = mapped_column(str_enum(SignalAction))
    identity: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    processed_at: Mapped[datetime | None]
    outcome: Mapped[SignalOutcome | None] = mapped_column(str_enum(SignalOutcome))
    outcome_reason: Mapped[str | None] = mapped_column(String(255))
    alert_id: Mapped[int | None]


class ServiceChange(Base):
    """A deploy or config change reported by a sender (PagerDuty change events)."""

    __tablename__ = "service_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str | None] = mapped_column(String(64), index=True)
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str | None] = mapped_column(String(255))
    happened_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


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
