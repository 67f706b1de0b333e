"""Detection review: what found the incidents, and how long each way of finding took."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from warroom.incidents.enums import DetectionSource
from warroom.learn.insights.incidents import Metric, duration, in_window
from warroom.learn.insights.stats import median
from warroom.learn.insights.window import Window

HUMAN_SOURCES = frozenset({DetectionSource.PERSON, DetectionSource.CUSTOMER})


@dataclass(frozen=True)
class SourceFigures:
    source: DetectionSource
    incidents: int
    share: float
    """Of all incidents in the window, 0..1."""
    median_ttd: float | None
    """Seconds from impact start to detection, median over this source's incidents."""


@dataclass(frozen=True)
class DetectionReport:
    window: Window
    incidents: int
    found_by_humans: int
    """Found by a person or a customer rather than by a signal."""
    human_share: float | None
    customer_share: float | None
    sources: list[SourceFigures]


def report(session: Session, window: Window, *, include_drills: bool = False) -> DetectionReport:
    incidents = in_window(session, window, include_drills=include_drills)
    total = len(incidents)
    sources = []
    for source in DetectionSource:
        rows = [i for i in incidents if i.detection_source is source]
        ttds = [v for v in (duration(i, Metric.TTD) for i in rows) if v is not None]
        share = len(rows) / total if total else 0.0
        sources.append(SourceFigures(source, len(rows), share, median(ttds)))
    humans = sum(1 for i in incidents if i.detection_source in HUMAN_SOURCES)
    customers = sum(1 for i in incidents if i.detection_source is DetectionSource.CUSTOMER)
    return DetectionReport(
        window,
        total,
        humans,
        humans / total if total else None,
        customers / total if total else None,
        sources,
    )
