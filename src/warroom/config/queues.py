"""Queues not draining: a PromQL depth (and optionally inflow and drain rates) per queue."""

from __future__ import annotations

from pydantic import Field, StrictInt

from .base import StrictModel
from .values import Duration, NonEmptyStr, SeverityKey, Slug, parse_duration


class QueueMonitor(StrictModel):
    """Opens an incident when a queue's depth keeps rising while the drain does not keep up,
    or stays above ``threshold`` without going down for ``window``."""

    name: Slug = Field(description="Unique name, e.g. checkout-jobs.")
    depth: NonEmptyStr = Field(
        description="PromQL of the queue depth; every series it returns is a queue."
    )
    inflow: NonEmptyStr | None = Field(
        None, description="PromQL of messages in per second (same labels as depth)."
    )
    drain: NonEmptyStr | None = Field(
        None, description="PromQL of messages worked off per second (same labels as depth)."
    )
    rising_steps: StrictInt = Field(
        6, ge=2, description="Consecutive growing steps that make a rising queue. Default 6."
    )
    window: Duration = Field(
        default=parse_duration("15m"),
        description="How long a backlog above threshold may go without shrinking. Default 15m.",
    )
    threshold: float = Field(0, description="A depth at or below this is fine. Default 0.")
    step: Duration = Field(
        default=parse_duration("1m"), description="Resolution and evaluation interval."
    )
    title: NonEmptyStr = Field(
        "queue {queue} is not draining",
        description="Alert title, with {label} placeholders filled from the series' labels.",
    )
    service: Slug | None = Field(None, description="Service the queue belongs to.")
    team: Slug | None = Field(None, description="Owning team; default the service's team.")
    severity: SeverityKey | None = Field(
        None, description="Incident severity; default SEV3 (working hours)."
    )
