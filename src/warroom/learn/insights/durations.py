"""MTTD, MTTA, MTTM and MTTR: median and p90 per group, incident counts, trend over time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.incidents.models import Incident
from warroom.learn.insights.incidents import GroupBy, Metric, duration, group_keys, in_window
from warroom.learn.insights.stats import median, p90
from warroom.learn.insights.window import Window


@dataclass(frozen=True)
class Summary:
    count: int
    """Incidents that have this duration (an unresolved one has no TTR yet)."""
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class GroupFigures:
    key: str
    incidents: int
    metrics: dict[Metric, Summary]


@dataclass(frozen=True)
class TrendPoint:
    start: datetime
    end: datetime
    incidents: int
    medians: dict[Metric, float | None]


@dataclass(frozen=True)
class DurationReport:
    window: Window
    group_by: GroupBy
    overall: GroupFigures
    groups: list[GroupFigures]
    trend: list[TrendPoint]


def summarise(key: str, incidents: Sequence[Incident]) -> GroupFigures:
    metrics: dict[Metric, Summary] = {}
    for metric in Metric:
        values = [v for v in (duration(i, metric) for i in incidents) if v is not None]
        metrics[metric] = Summary(len(values), median(values), p90(values))
    return GroupFigures(key, len(incidents), metrics)


def _trend(window: Window, incidents: Sequence[Incident]) -> list[TrendPoint]:
    buckets = window.buckets()
    members: list[list[Incident]] = [[] for _ in buckets]
    for incident in incidents:
        members[window.bucket_index(incident.detected_at)].append(incident)
    points = []
    for bucket, rows in zip(buckets, members, strict=True):
        figures = summarise("", rows)
        medians = {metric: s.median for metric, s in figures.metrics.items()}
        points.append(TrendPoint(bucket.since, bucket.until, len(rows), medians))
    return points


def report(
    session: Session, window: Window, group_by: GroupBy, *, include_drills: bool = False
) -> DurationReport:
    incidents = in_window(session, window, include_drills=include_drills)
    grouped: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        for key in group_keys(incident, group_by):
            grouped[key].append(incident)
    groups = [summarise(key, grouped[key]) for key in sorted(grouped)]
    return DurationReport(
        window, group_by, summarise("all", incidents), groups, _trend(window, incidents)
    )
