"""API shapes of the insights: every duration in seconds, every share between 0 and 1."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from warroom.incidents.enums import DetectionSource
from warroom.learn.insights import detection, durations, follow_through, load, noise, oncall
from warroom.learn.insights.incidents import GroupBy, Metric
from warroom.learn.insights.load import Direction
from warroom.learn.insights.noise import HintKind
from warroom.learn.insights.window import Window


class WindowOut(BaseModel):
    since: datetime
    until: datetime

    @classmethod
    def of(cls, window: Window) -> WindowOut:
        return cls(since=window.since, until=window.until)


class SummaryOut(BaseModel):
    count: int = Field(description="Incidents that have this duration.")
    median: float | None = Field(description="Median, seconds.")
    p90: float | None = Field(description="Nearest-rank 90th percentile, seconds.")


class GroupOut(BaseModel):
    key: str
    incidents: int
    metrics: dict[Metric, SummaryOut]

    @classmethod
    def of(cls, group: durations.GroupFigures) -> GroupOut:
        return cls(
            key=group.key,
            incidents=group.incidents,
            metrics={
                m: SummaryOut(count=s.count, median=s.median, p90=s.p90)
                for m, s in group.metrics.items()
            },
        )


class TrendPointOut(BaseModel):
    start: datetime
    end: datetime
    incidents: int
    medians: dict[Metric, float | None]


class DurationsOut(BaseModel):
    window: WindowOut
    group_by: GroupBy
    overall: GroupOut
    groups: list[GroupOut]
    trend: list[TrendPointOut]

    @classmethod
    def of(cls, report: durations.DurationReport) -> DurationsOut:
        return cls(
            window=WindowOut.of(report.window),
            group_by=report.group_by,
            overall=GroupOut.of(report.overall),
            groups=[GroupOut.of(g) for g in report.groups],
            trend=[
                TrendPointOut(start=p.start, end=p.end, incidents=p.incidents, medians=p.medians)
                for p in report.trend
            ],
        )


class LoadOut(BaseModel):
    incidents: int
    by_severity: dict[str, int]
    ratio: float | None = Field(description="SEV-3 count / SEV-1 count; null without a SEV-1.")
    weighted: float


class TeamLoadOut(BaseModel):
    team: str
    current: LoadOut
    previous: LoadOut
    direction: Direction
    verdict: str

    @classmethod
    def of(cls, row: load.TeamLoad) -> TeamLoadOut:
        def one(value: load.Load) -> LoadOut:
            return LoadOut(
                incidents=value.incidents,
                by_severity=value.by_severity,
                ratio=value.ratio,
                weighted=value.weighted,
            )

        return cls(
            team=row.team,
            current=one(row.current),
            previous=one(row.previous),
            direction=row.direction,
            verdict=row.verdict,
        )


class LoadReportOut(BaseModel):
    window: WindowOut
    previous_window: WindowOut
    weights: dict[str, float]
    overall: TeamLoadOut
    teams: list[TeamLoadOut]

    @classmethod
    def of(cls, report: load.LoadReport) -> LoadReportOut:
        return cls(
            window=WindowOut.of(report.window),
            previous_window=WindowOut.of(report.previous),
            weights=report.weights,
            overall=TeamLoadOut.of(report.overall),
            teams=[TeamLoadOut.of(t) for t in report.teams],
        )


class SourceOut(BaseModel):
    source: DetectionSource
    incidents: int
    share: float
    median_ttd: float | None = Field(description="Median time to detect, seconds.")


class DetectionOut(BaseModel):
    window: WindowOut
    incidents: int
    found_by_humans: int = Field(description="Found by a person or a customer, not a signal.")
    human_share: float | None
    customer_share: float | None
    sources: list[SourceOut]

    @classmethod
    def of(cls, report: detection.DetectionReport) -> DetectionOut:
        return cls(
            window=WindowOut.of(report.window),
            incidents=report.incidents,
            found_by_humans=report.found_by_humans,
            human_share=report.human_share,
            customer_share=report.customer_share,
            sources=[
                SourceOut(
                    source=s.source, incidents=s.incidents, share=s.share, median_ttd=s.median_ttd
                )
                for s in report.sources
            ],
        )


class HintOut(BaseModel):
    kind: HintKind
    advice: str
    evidence: str


class AlertNoiseOut(BaseModel):
    name: str
    integration: str
    team: str
    fires: int
    led_to_acknowledged: int
    never_acknowledged: int
    auto_resolved: int
    flapping: int
    incidents: int
    acknowledged_incidents: int
    pages: int
    pages_per_acknowledged_incident: float | None
    not_useful: int
    hints: list[HintOut]

    @classmethod
    def of(cls, row: noise.AlertNoise) -> AlertNoiseOut:
        return cls(
            name=row.key.name,
            integration=row.key.integration,
            team=row.key.team,
            fires=row.fires,
            led_to_acknowledged=row.led_to_acknowledged,
            never_acknowledged=row.never_acknowledged,
            auto_resolved=row.auto_resolved,
            flapping=row.flapping,
            not_useful=row.not_useful,
            incidents=row.incidents,
            acknowledged_incidents=row.acknowledged_incidents,
            pages=row.pages,
            pages_per_acknowledged_incident=row.pages_per_acknowledged_incident,
            hints=[HintOut(kind=h.kind, advice=h.advice, evidence=h.evidence) for h in row.hints],
        )


class NoiseOut(BaseModel):
    window: WindowOut
    auto_resolve_within_seconds: float
    min_fires: int
    alerts: list[AlertNoiseOut]

    @classmethod
    def of(cls, report: noise.NoiseReport) -> NoiseOut:
        return cls(
            window=WindowOut.of(report.window),
            auto_resolve_within_seconds=report.auto_resolve_within.total_seconds(),
            min_fires=report.min_fires,
            alerts=[AlertNoiseOut.of(a) for a in report.alerts],
        )


class PersonLoadOut(BaseModel):
    username: str
    pages: int
    pages_per_week: float
    out_of_hours: int
    night: int
    nights: int
    weekly: list[int]


class OncallOut(BaseModel):
    window: WindowOut
    people: list[PersonLoadOut]

    @classmethod
    def of(cls, report: oncall.OncallReport) -> OncallOut:
        return cls(
            window=WindowOut.of(report.window),
            people=[
                PersonLoadOut(
                    username=p.username,
                    pages=p.pages,
                    pages_per_week=p.pages_per_week,
                    out_of_hours=p.out_of_hours,
                    night=p.night,
                    nights=p.nights,
                    weekly=p.weekly,
                )
                for p in report.people
            ],
        )


class OverdueItemOut(BaseModel):
    id: int
    incident: str
    title: str
    owner: str | None
    due_on: date
    days_late: int


class TeamFollowThroughOut(BaseModel):
    team: str
    created: int = Field(description="Action items created in the window.")
    done: int
    cancelled: int
    open: int
    overdue: int = Field(description="Open items past their due date today.")
    completion_rate: float | None = Field(
        description="Done out of the items not cancelled, 0 to 1; null when there are none."
    )
    overdue_items: list[OverdueItemOut]

    @classmethod
    def of(cls, team: follow_through.TeamFollowThrough) -> TeamFollowThroughOut:
        return cls(
            team=team.team,
            created=team.created,
            done=team.done,
            cancelled=team.cancelled,
            open=team.open,
            overdue=team.overdue,
            completion_rate=team.completion_rate,
            overdue_items=[OverdueItemOut(**vars(i)) for i in team.overdue_items],
        )


class FollowThroughOut(BaseModel):
    window: WindowOut
    teams: list[TeamFollowThroughOut]
    overall: TeamFollowThroughOut

    @classmethod
    def of(cls, report: follow_through.FollowThroughReport) -> FollowThroughOut:
        return cls(
            window=WindowOut.of(report.window),
            teams=[TeamFollowThroughOut.of(t) for t in report.teams],
            overall=TeamFollowThroughOut.of(report.overall),
        )
