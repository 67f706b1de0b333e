"""API shapes of error issues, events and projects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warroom.errors.models import IgnoreMode, IssueStatus, IssueSubstatus, ResolveMode


class IssueOut(BaseModel):
    id: int
    short_id: str
    project: str
    title: str
    culprit: str
    type: str
    metadata: dict[str, Any]
    level: str
    platform: str
    status: IssueStatus
    substatus: IssueSubstatus
    first_seen: datetime
    last_seen: datetime
    events: int
    users: int
    first_release: str | None
    last_release: str | None
    team: str | None
    routed_by: dict[str, Any]
    resolution: ResolveMode | None
    resolved_in_release: str | None
    resolved_at: datetime | None
    ignore_mode: IgnoreMode | None
    ignore_until: datetime | None
    ignore_count: int | None
    incident: str | None
    suspect_deploy_id: int | None


class IssuePage(BaseModel):
    items: list[IssueOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class ReleaseSeen(BaseModel):
    release: str
    environment: str
    first_seen: datetime
    last_seen: datetime
    events: int
    regressed: bool


class EventOut(BaseModel):
    event_id: str
    issue_id: int
    issue: str
    """The issue's short id, e.g. API-3."""
    project: str
    timestamp: datetime
    received_at: datetime
    level: str
    release: str | None
    environment: str | None
    user: str | None
    stored: bool
    """Whether the full event is kept (a sample); counts never depend on it."""
    body: dict[str, Any] | None = None


class IssueDetail(IssueOut):
    suspect_deploy: dict[str, Any] | None
    """The deploy of the project to the event's environment that the issue (or its spike)
    followed within the suspect window."""
    tags: dict[str, list[dict[str, Any]]]
    releases: list[ReleaseSeen]
    sample: EventOut | None


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: ResolveMode = Field(
        ResolveMode.NOW, description="now, next_release (after the current one) or in_release."
    )
    release: str | None = Field(None, min_length=1, description="With in_release: the release.")


class IgnoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: IgnoreMode = Field(
        description="forever, for_time, until_events, until_users or until_escalating."
    )
    minutes: int | None = Field(None, ge=1, description="With for_time: how long.")
    count: int | None = Field(
        None, ge=1, description="With until_events / until_users: how many more."
    )


class IncidentFromIssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: str | None = Field(None, description="Severity key; default the incident default.")


class DsnOut(BaseModel):
    public_key: str
    label: str
    disabled: bool
    dsn: str
    events_per_minute: int | None


class ProjectOut(BaseModel):
    slug: str
    id: int
    team: str
    platform: str
    service: str | None
    allowed_origins: list[str]
    events_per_minute: int | None
    keys: list[DsnOut]
    unresolved_issues: int
    outcomes: list[dict[str, Any]]
    intake: dict[str, int]
