"""API shapes of drills: scenarios, runs and the scorecard."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from warroom.config.drills import DrillKind
from warroom.learn.drills.models import RunEnd, RunStatus, RunTrigger


class TargetsOut(BaseModel):
    detect_seconds: float
    acknowledge_seconds: float
    first_update_seconds: float


class SlotOut(BaseModel):
    day: str
    at: str
    timezone: str


class ScenarioOut(BaseModel):
    name: str
    team: str
    kind: DrillKind
    integration: str | None
    project: str | None
    title: str
    signal_severity: str
    expect_severity: str
    targets: TargetsOut
    schedule: SlotOut | None


class MeasureOut(BaseModel):
    seconds: float | None
    target_seconds: float | None
    passed: bool | None


class RunOut(BaseModel):
    id: int
    scenario: str
    team: str
    kind: DrillKind
    trigger: RunTrigger
    started_by: str | None
    scheduled_for: datetime | None
    status: RunStatus
    ended: RunEnd | None
    detail: str
    token: str
    incident: str | None
    expect_severity: str
    severity: str | None
    severity_passed: bool | None
    injected_at: datetime
    opened_at: datetime | None
    acknowledged_at: datetime | None
    first_update_at: datetime | None
    resolved_at: datetime | None
    scored_at: datetime | None
    detect: MeasureOut
    acknowledge: MeasureOut
    first_update: MeasureOut
    passed: bool | None


class MeasureSummaryOut(BaseModel):
    median_seconds: float | None
    met: int


class PeriodOut(BaseModel):
    week_of: date
    runs: int
    passed: int
    detect: MeasureSummaryOut
    acknowledge: MeasureSummaryOut
    first_update: MeasureSummaryOut


class TeamScorecardOut(BaseModel):
    team: str
    runs: int
    passed: int
    weeks: list[PeriodOut]


class ScorecardOut(BaseModel):
    teams: list[TeamScorecardOut]
