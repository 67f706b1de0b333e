"""API shapes of the incident domain."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from warroom.clock import as_utc
from warroom.http.inputs import MAX_INT, reject_nul
from warroom.incidents.commands import DeclareIncident, IncidentChanges
from warroom.incidents.enums import (
    Audience,
    DetectedBy,
    DetectionSource,
    IncidentRole,
    IncidentStatus,
    TimelineKind,
    TimestampField,
)

SLUG = r"^[a-z0-9][a-z0-9-]*$"
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(as_utc)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value)


class ImpactFields(Strict):
    affected_users: int | None = Field(
        None, ge=0, le=MAX_INT, description="Estimated affected users."
    )
    affected_customers: int | None = Field(
        None, ge=0, le=MAX_INT, description="Estimated affected customers."
    )
    affected_features: list[str] | None = Field(None, description="Features that are affected.")
    affected_regions: list[str] | None = Field(None, description="Regions that are affected.")
    revenue_impact: bool | None = Field(None, description="Whether revenue is affected.")


class IncidentCreate(ImpactFields):
    title: Title
    severity: str | None = Field(None, description="Severity key; default from the config.")
    team: str = Field(pattern=SLUG, description="Owning team slug (from the config).")
    services: list[str] = Field(default_factory=list, description="Affected service slugs.")
    summary: str = ""
    impact_started_at: UtcDatetime | None = Field(
        None, description="When customer impact began; defaults to detected_at."
    )
    detected_at: UtcDatetime | None = Field(None, description="When it was detected; default now.")
    detected_by: DetectedBy = Field(
        DetectedBy.PERSON, description="Who found it: person (default) or customer."
    )

    def command(self) -> DeclareIncident:
        fields = self.model_dump(exclude={"detected_by"})
        return DeclareIncident(**fields, detection_source=DetectionSource(self.detected_by.value))


class IncidentPatch(ImpactFields):
    title: Title | None = None
    summary: str | None = None
    team: str | None = Field(None, pattern=SLUG)
    services: list[str] | None = None

    def changes(self) -> IncidentChanges:
        """Only the fields the caller sent."""
        return cast(IncidentChanges, self.model_dump(exclude_unset=True))


class ActionRequest(Strict):
    reason: str | None = Field(None, max_length=2000)
    override_postmortem: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        description="Closing only, admins only: close although the required postmortem is "
        "not published; the reason goes to the audit log.",
    )


class SeverityChange(Strict):
    severity: str
    reason: str | None = Field(None, max_length=2000)


class RoleAssign(Strict):
    role: IncidentRole
    user: str | None = Field(None, description="Username; defaults to the caller.")


class ParticipantAdd(Strict):
    user: str | None = Field(None, description="Username; defaults to the caller.")


class NoteCreate(Strict):
    text: str = Field(min_length=1, max_length=20000)
    pinned: bool = False


class PinRequest(Strict):
    pinned: bool = True


class StatusUpdateCreate(Strict):
    text: str = Field(min_length=1, max_length=20000)
    audience: Audience = Audience.INTERNAL
    public_title: str | None = Field(
        None,
        max_length=200,
        description="Public updates only: the incident's name on status pages (its title "
        "stays internal); kept until a later public update changes it.",
    )


class TimestampCorrection(Strict):
    field: TimestampField
    value: UtcDatetime
    reason: str = Field(min_length=1, max_length=2000, description="Why it is corrected.")


class Person(BaseModel):
    username: str
    display_name: str | None = None


class RoleOut(BaseModel):
    role: IncidentRole
    user: Person
    assigned_at: datetime
    released_at: datetime | None = None


class ParticipantOut(BaseModel):
    user: Person
    joined_at: datetime


class Durations(BaseModel):
    """Seconds; null while the end point has not been reached."""

    time_to_detect: float | None
    time_to_acknowledge: float | None
    time_to_mitigate: float | None
    time_to_resolve: float | None


def seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else delta.total_seconds()


class IncidentOut(BaseModel):
    ref: str
    number: int
    title: str
    summary: str
    severity: str
    status: IncidentStatus
    team: str
    services: list[str]
    impact_started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    declared_at: datetime
    updated_at: datetime
    declared_by: str | None
    durations: Durations
    last_update_at: datetime | None
    next_update_due_at: datetime | None
    update_overdue: bool
    last_public_update_at: datetime | None = None
    public_title: str | None = Field(None, description="The incident's name on status pages.")
    roles: dict[str, Person | None]
    role_history: list[RoleOut]
    participants: list[ParticipantOut]
    affected_users: int | None
    affected_customers: int | None
    affected_features: list[str]
    affected_regions: list[str]
    revenue_impact: bool
    alert_count: int = Field(description="Alerts attached to the incident.")
    detection_source: DetectionSource = Field(
        description="What first found it: alert, error, heartbeat, anomaly, person or customer."
    )
    drill: bool = Field(False, description="A rehearsal; insights leave drills out by default.")


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class TimelineEntryOut(BaseModel):
    id: int
    at: datetime
    kind: TimelineKind
    actor: str | None
    text: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    pinned: bool


class StatusUpdateOut(BaseModel):
    id: int
    at: datetime
    text: str
    audience: Audience
    status: IncidentStatus
    author: str | None


class TimelineOut(BaseModel):
    incident: str
    durations: Durations
    entries: list[TimelineEntryOut]
