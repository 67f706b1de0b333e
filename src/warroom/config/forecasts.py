"""Capacity forecasts: a PromQL series, its limit, and how far ahead a crossing is reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from .base import StrictModel
from .values import Duration, NonEmptyStr, SeverityKey, Slug, config_problem, parse_duration


class Forecast(StrictModel):
    """Opens an incident when the trend of a series (with its daily or weekly cycle) will
    cross ``limit`` within ``horizon``, e.g. "disk /data on db-1 full in ~9 days (6-13)"."""

    name: Slug = Field(description="Unique name, e.g. db-disk-full.")
    query: NonEmptyStr = Field(
        description="PromQL; every series it returns is forecast on its own."
    )
    limit: float = Field(description="The level the series must not cross.")
    direction: Literal["above", "below"] = Field(
        "above", description="above: the limit is a ceiling (disk used); below: a floor."
    )
    horizon: Duration = Field(
        default=parse_duration("14d"),
        description="Report a crossing expected within this long. Default 14d.",
    )
    history: Duration = Field(
        default=parse_duration("28d"),
        description="How much history the trend is fitted on (2 weeks or more for a weekly "
        "cycle). Default 28d.",
    )
    step: Duration = Field(
        default=parse_duration("5m"), description="Resolution of the history query. Default 5m."
    )
    every: Duration = Field(
        default=parse_duration("1h"), description="How often it is evaluated. Default 1h."
    )
    title: NonEmptyStr = Field(
        description="What crossing means, with {label} placeholders filled from the series' "
        "labels, e.g. 'disk {mountpoint} on {instance} full'."
    )
    service: Slug | None = Field(None, description="Service the forecast is about.")
    team: Slug | None = Field(None, description="Owning team; default the service's team.")
    severity: SeverityKey | None = Field(
        None, description="Incident severity; default SEV3 (working hours)."
    )

    @field_validator("history")
    @classmethod
    def _history_fits(cls, history: timedelta) -> timedelta:
        if history < timedelta(days=1):
            raise config_problem("must be at least 1d")
        return history

    @field_validator("step")
    @classmethod
    def _step_fits(cls, step: timedelta) -> timedelta:
        if step > timedelta(hours=1):
            raise config_problem("must be 1h or less")
        return step
