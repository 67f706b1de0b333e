"""Metric sources (a Prometheus server, the embedded store) and the monitors that watch them.

A monitor is a tagged union on ``kind``: ``anomaly`` today; forecasts and queue detectors
add their own kinds beside it.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, PositiveInt, StrictBool, model_validator

from .base import StrictModel
from .values import Duration, HttpUrlStr, NonEmptyStr, SeverityKey, Slug, parse_duration


class BasicAuthSettings(StrictModel):
    username: NonEmptyStr = Field(description="Basic-auth user name.")
    password_env: NonEmptyStr = Field(
        description="Environment variable holding the basic-auth password."
    )


class PrometheusSettings(StrictModel):
    """The Prometheus server monitors with ``source: prometheus`` query."""

    url: HttpUrlStr = Field(description="Base URL of Prometheus, e.g. http://prometheus:9090.")
    bearer_token_env: NonEmptyStr | None = Field(
        None, description="Environment variable holding a bearer token sent to Prometheus."
    )
    basic_auth: BasicAuthSettings | None = Field(
        None, description="HTTP basic authentication (instead of a bearer token)."
    )
    timeout: Duration = Field(
        default=parse_duration("10s"), description="Timeout of one query. Default 10s."
    )

    @model_validator(mode="after")
    def _one_auth(self) -> Self:
        if self.bearer_token_env and self.basic_auth:
            raise ValueError("give bearer_token_env or basic_auth, not both")
        return self


class EmbeddedStoreSettings(StrictModel):
    """Retention of the embedded store (remote-write and the JSON push API)."""

    raw_retention: Duration = Field(
        default=parse_duration("15d"),
        description="Raw samples are kept this long, then folded into 5-minute averages. "
        "Default 15d.",
    )
    downsampled_retention: Duration = Field(
        default=parse_duration("400d"),
        description="5-minute averages are kept this long (counted from the sample). Default 400d.",
    )


class MetricsSettings(StrictModel):
    prometheus: PrometheusSettings | None = Field(
        None, description="The Prometheus server, for monitors with source prometheus."
    )
    store: EmbeddedStoreSettings = Field(
        default_factory=EmbeddedStoreSettings,
        description="The embedded store's retention and downsampling.",
    )


class MonitorSource(StrEnum):
    PROMETHEUS = "prometheus"
    EMBEDDED = "embedded"


class AnomalyMonitor(StrictModel):
    """Learns each series' normal band and raises a signal when a value leaves it."""

    kind: Literal["anomaly"] = Field(description="anomaly: a streaming anomaly detector.")
    name: Slug = Field(
        description="Identifier, unique across monitors; alerts are labelled with it."
    )
    team: Slug | None = Field(None, description="Owning team (or give service).")
    service: Slug | None = Field(None, description="Owning service; its team owns the alerts.")
    source: MonitorSource = Field(
        MonitorSource.EMBEDDED, description="prometheus or embedded (default)."
    )
    query: NonEmptyStr = Field(
        description="PromQL; each resulting series is watched on its own.",
        examples=["histogram_quantile(0.99, sum by (le) (rate(http_seconds_bucket[5m])))"],
    )
    step: Duration = Field(default=parse_duration("1m"), description="Evaluation step. Default 1m.")
    history: Duration = Field(
        default=parse_duration("1d"),
        description="How much history the first evaluation reads to warm the detector up. "
        "Default 1d.",
    )
    sensitivity: float = Field(
        0.5,
        gt=0,
        le=1,
        description="0-1: higher flags smaller departures. Responders' 'not useful' marks lower "
        "it, within sensitivity_min..sensitivity_max. Default 0.5.",
    )
    sensitivity_min: float = Field(0.1, gt=0, le=1, description="Lowest adapted sensitivity.")
    sensitivity_max: float = Field(0.9, gt=0, le=1, description="Highest adapted sensitivity.")
    working_hours_only: StrictBool = Field(
        True,
        description="Raise detections only during the owning team's working hours. Default true.",
    )
    severity: SeverityKey = Field(
        "SEV3", description="Incident severity of a detection. Default SEV3."
    )
    max_series: PositiveInt = Field(
        100, description="At most this many series are watched (state is kept per series)."
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if (self.team is None) == (self.service is None):
            raise ValueError("give exactly one of team or service")
        if not self.sensitivity_min <= self.sensitivity <= self.sensitivity_max:
            raise ValueError("sensitivity must lie within sensitivity_min..sensitivity_max")
        if self.step < timedelta(seconds=1):
            raise ValueError("step must be at least 1s")
        return self


Monitor = Annotated[AnomalyMonitor, Field(discriminator="kind")]
"""Every monitor kind; a new kind joins this union."""
