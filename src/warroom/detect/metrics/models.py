"""Tables of the embedded metric store and of the monitors reading it.

A series is stored once (its canonical labels and their fingerprint); samples are keyed by
series, resolution and time in milliseconds. Raw samples are kept for the configured days,
then folded into 5-minute averages (``five_minutes``) by the retention job.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class Resolution(StrEnum):
    RAW = "raw"
    """As pushed."""
    FIVE_MINUTES = "five_minutes"
    """The average of the raw samples of each 5-minute bucket, stamped at its start."""


class MetricSeries(Base):
    __tablename__ = "metric_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class MetricSample(Base):
    __tablename__ = "metric_samples"
    __table_args__ = (Index("ix_metric_samples_resolution_at", "resolution", "at_ms"),)

    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.id", ondelete="CASCADE"), primary_key=True
    )
    resolution: Mapped[Resolution] = mapped_column(str_enum(Resolution), primary_key=True)
    at_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class MonitorState(Base):
    """A monitor's detector state for one series, and the last step it evaluated."""

    __tablename__ = "monitor_states"

    monitor: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    last_at: Mapped[float] = mapped_column(Float)
    anomalous: Mapped[bool]
    updated_at: Mapped[datetime]


class MonitorTuning(Base):
    """What responders said about a monitor: "not useful" marks and the sensitivity they led to."""

    __tablename__ = "monitor_tuning"

    monitor: Mapped[str] = mapped_column(String(128), primary_key=True)
    sensitivity: Mapped[float] = mapped_column(Float)
    not_useful: Mapped[int]
    updated_at: Mapped[datetime]
