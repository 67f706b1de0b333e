"""Retention: how long raw records are kept before the worker prunes them."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, PositiveInt

from .base import StrictModel
from .values import Duration, parse_duration


class RetentionPolicy(StrictModel):
    """How much of one kind of record to keep: the newest ``max_rows`` of those younger than
    ``max_age``; either may be left out (null) to not limit by it."""

    max_age: Duration | None = Field(
        None, description="Records older than this are removed (e.g. 14d); null keeps any age."
    )
    max_rows: PositiveInt | None = Field(
        None, description="At most this many of the newest are kept; null keeps any number."
    )


def _policy(days: int, rows: int | None = None) -> RetentionPolicy:
    return RetentionPolicy(max_age=timedelta(days=days), max_rows=rows)


class RetentionSettings(StrictModel):
    """What the worker prunes, in small batches; incidents, alerts, error issues and every
    count are kept whatever the policy."""

    signals: RetentionPolicy = Field(
        default_factory=lambda: _policy(14),
        description="Raw signals (alerts and events as received) once processed; default 14d. "
        "Unprocessed signals are never removed.",
    )
    alert_events: RetentionPolicy = Field(
        default_factory=lambda: _policy(90),
        description="The history lines of alerts (fired, resolved, muted...); default 90d.",
    )
    deliveries: RetentionPolicy = Field(
        default_factory=lambda: _policy(30),
        description="Notifications delivered, cancelled or dead (given up); default 30d. "
        "Pending ones are never removed.",
    )
    jobs: RetentionPolicy = Field(
        default_factory=lambda: _policy(7),
        description="Finished background jobs; default 7d. Dead jobs stay until handled.",
    )
    error_events: RetentionPolicy = Field(
        default_factory=lambda: _policy(90),
        description="Stored error events (issues and their counts stay); default 90d.",
    )
    batch_size: PositiveInt = Field(
        500,
        le=10_000,
        description="Rows removed per transaction: the write lock is given back between "
        "batches so ingest never waits long. Default 500.",
    )
    every: Duration = Field(
        default=parse_duration("10m"),
        description="How often the worker prunes. Default 10m.",
    )
