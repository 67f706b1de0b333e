"""API shapes for alerts, silences and maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from warroom.alerts.models import AlertDecision, AlertEventKind, AlertStatus, SilenceKind
from warroom.ingest.models import SourceKind
from warroom.matchers import Matcher, MatcherError


def normalise_matchers(texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        try:
            out.append(str(Matcher.parse(text)))
        except MatcherError as exc:
            raise ValueError(str(exc)) from None
    return out


class AlertEventOut(BaseModel):
    at: datetime
    kind: AlertEventKind
    text: str
    detail: dict[str, Any] | None


class AlertOut(BaseModel):
    id: int
    integration: str
    source: SourceKind
    identity: str
    status: AlertStatus
    title: str
    description: str
    severity: str | None
    environment: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[dict[str, Any]]
    group_key: str | None
    team: str | None
    service: str | None
    routed_by: dict[str, Any]
    starts_at: datetime
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    occurrences: int
    flapping: bool
    muted_by: str | None
    rule: str | None
    decision: AlertDecision
    incident: str | None
    events: list[AlertEventOut] | None = None


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class SilenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matchers: list[str] = Field(
        min_length=1, description='Alertmanager-style matchers, e.g. alertname=~"Disk.*".'
    )
    starts_at: AwareDatetime | None = Field(None, description="Default: now.")
    ends_at: AwareDatetime | None = Field(None, description="End; or give `duration`.")
    duration: str | None = Field(None, description="e.g. 2h; alternative to ends_at.")
    comment: str = Field(min_length=1, max_length=2000)

    @field_validator("matchers")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return normalise_matchers(value)


class MaintenanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = Field(description="Service slug from the config.")
    starts_at: AwareDatetime | None = Field(None, description="Default: now.")
    ends_at: AwareDatetime | None = None
    duration: str | None = Field(None, description="e.g. 2h; alternative to ends_at.")
    comment: str = Field(min_length=1, max_length=2000)
    matchers: list[str] = Field(default_factory=list, description="Optional extra matchers.")

    @field_validator("matchers")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return normalise_matchers(value)


class SilenceOut(BaseModel):
    id: int
    kind: SilenceKind
    matchers: list[str]
    service: str | None
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_by: str
    created_at: datetime
    expired_at: datetime | None
    active: bool


class IntegrationOut(BaseModel):
    slug: str
    kind: str
    name: str | None
    team: str | None
    service: str | None
    counters: dict[str, int] = Field(description="This process: accepted and refused signals.")
    signals: dict[str, int] = Field(description="Stored signals by outcome (all processes).")
    last_signal_at: datetime | None


class ServiceChangeOut(BaseModel):
    id: int
    integration: str
    service: str | None
    summary: str
    source: str | None
    happened_at: datetime
    received_at: datetime
    links: list[dict[str, Any]]
    details: dict[str, Any]
