"""The scorecard: each team's scored drill runs, week by week (ISO weeks, UTC): how many
ran and passed, and the median of each measure with how many met its target."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.learn.drills.models import DrillRun, RunStatus


@dataclass(frozen=True)
class MeasureSummary:
    median_seconds: float | None
    """Median over the runs where it happened (None when it never did)."""
    met: int
    """Runs where it met its target."""


@dataclass(frozen=True)
class Period:
    week_of: date
    """Monday of the ISO week."""
    runs: int
    passed: int
    detect: MeasureSummary
    acknowledge: MeasureSummary
    first_update: MeasureSummary


@dataclass(frozen=True)
class TeamScorecard:
    team: str
    runs: int
    passed: int
    weeks: list[Period]


def week_of(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _summary(values: Iterable[tuple[float | None, bool | None]]) -> MeasureSummary:
    pairs = list(values)
    seen = [seconds for seconds, _passed in pairs if seconds is not None]
    return MeasureSummary(median(seen) if seen else None, sum(1 for _s, passed in pairs if passed))


def period(week: date, runs: Sequence[DrillRun]) -> Period:
    return Period(
        week_of=week,
        runs=len(runs),
        passed=sum(1 for run in runs if run.passed),
        detect=_summary((r.detect_seconds, r.detect_passed) for r in runs),
        acknowledge=_summary((r.acknowledge_seconds, r.acknowledge_passed) for r in runs),
        first_update=_summary((r.first_update_seconds, r.first_update_passed) for r in runs),
    )


def scorecards(
    session: Session, team: str | None = None, since: datetime | None = None
) -> list[TeamScorecard]:
    """Per team (by slug), its weeks newest first; only scored runs count."""
    stmt = select(DrillRun).where(DrillRun.status == RunStatus.SCORED)
    if team is not None:
        stmt = stmt.where(DrillRun.team == team)
    if since is not None:
        stmt = stmt.where(DrillRun.injected_at >= since)
    by_team: dict[str, dict[date, list[DrillRun]]] = defaultdict(lambda: defaultdict(list))
    for run in session.scalars(stmt.order_by(DrillRun.injected_at)):
        by_team[run.team][week_of(run.injected_at)].append(run)
    cards = []
    for slug in sorted(by_team):
        weeks = [period(week, runs) for week, runs in sorted(by_team[slug].items(), reverse=True)]
        cards.append(
            TeamScorecard(
                team=slug,
                runs=sum(p.runs for p in weeks),
                passed=sum(p.passed for p in weeks),
                weeks=weeks,
            )
        )
    return cards
