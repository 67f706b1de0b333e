"""Drill runs: one row per injection of a scenario, with its measures once scored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.config.drills import DrillKind
from warroom.db.base import Base
from warroom.db.types import str_enum


class RunStatus(StrEnum):
    INJECTING = "injecting"
    """The row exists; the signal is being sent."""
    RUNNING = "running"
    """Intake took the signal; waiting for the incident to open, be acknowledged, resolve."""
    SCORED = "scored"
    FAILED = "failed"
    """Intake refused the signal: nothing was measured."""


class RunEnd(StrEnum):
    RESOLVED = "resolved"
    TIMEOUT = "timeout"
    REFUSED = "refused"


class RunTrigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"


class DrillRun(Base):
    __tablename__ = "drill_runs"
    __table_args__ = (
        Index("ix_drill_runs_team_injected", "team", "injected_at"),
        UniqueConstraint("scenario", "scheduled_for", name="uq_drill_runs_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    """The value of the ``warroom_drill`` mark on what the run injects."""
    scenario: Mapped[str] = mapped_column(String(64), index=True)
    team: Mapped[str] = mapped_column(String(64))
    kind: Mapped[DrillKind] = mapped_column(str_enum(DrillKind))
    trigger: Mapped[RunTrigger] = mapped_column(str_enum(RunTrigger))
    started_by: Mapped[str | None] = mapped_column(String(64))
    scheduled_for: Mapped[datetime | None]
    """The weekly slot a scheduled run is for (one run per scenario and slot)."""
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus), index=True)
    ended: Mapped[RunEnd | None] = mapped_column(str_enum(RunEnd))
    detail: Mapped[str] = mapped_column(Text, default="")
    """What intake answered when it refused, or why the run ended as it did."""
    expect_severity: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(32))
    """The severity the incident opened at."""

    injected_at: Mapped[datetime]
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    first_update_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    scored_at: Mapped[datetime | None]

    detect_seconds: Mapped[float | None] = mapped_column(Float)
    acknowledge_seconds: Mapped[float | None] = mapped_column(Float)
    first_update_seconds: Mapped[float | None] = mapped_column(Float)
    detect_target_seconds: Mapped[float | None] = mapped_column(Float)
    acknowledge_target_seconds: Mapped[float | None] = mapped_column(Float)
    first_update_target_seconds: Mapped[float | None] = mapped_column(Float)
    detect_passed: Mapped[bool | None] = mapped_column(Boolean)
    acknowledge_passed: Mapped[bool | None] = mapped_column(Boolean)
    first_update_passed: Mapped[bool | None] = mapped_column(Boolean)
    severity_passed: Mapped[bool | None] = mapped_column(Boolean)
    passed: Mapped[bool | None] = mapped_column(Boolean)
