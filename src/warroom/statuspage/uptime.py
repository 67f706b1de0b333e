"""90-day uptime bars: per component and UTC day, the time spent in each state, from the
incident history.

An incident contributes spans from its lifecycle timestamps (the audited ones a postmortem
corrects): its impact from ``impact_started_at`` until mitigated (or resolved, or now), then
degraded performance at most until resolved (or now). Where incidents overlap, the worst state
counts, once. A day's bar shows its worst state. Uptime counts major outage as down and
partial outage as 30% down (the Statuspage convention); degraded performance and maintenance
count as up. Everything comes from one query over the page's services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config.status_pages import StatusPage
from warroom.incidents.models import Incident, IncidentService
from warroom.statuspage.states import ComponentState, impact_state

DAYS = 90
PARTIAL_OUTAGE_WEIGHT = 0.3
_STATES = list(ComponentState)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    state: ComponentState


@dataclass(frozen=True)
class Day:
    date: date
    seconds: Mapping[ComponentState, float]
    """Seconds in each state other than operational (the worst state at each moment)."""
    measured: float
    """Seconds of the day so far (a whole day, except today)."""

    @property
    def state(self) -> ComponentState:
        """The worst state the day saw."""
        return max(
            (s for s, spent in self.seconds.items() if spent > 0),
            key=lambda s: s.rank,
            default=ComponentState.OPERATIONAL,
        )

    @property
    def down(self) -> float:
        return downtime(self.seconds)

    @property
    def uptime(self) -> float:
        return 1.0 if self.measured <= 0 else max(0.0, 1.0 - self.down / self.measured)

    def minutes(self, state: ComponentState) -> int:
        return round(self.seconds.get(state, 0.0) / 60)


@dataclass(frozen=True)
class Uptime:
    days: list[Day]
    """Oldest first; the last is today."""

    @property
    def ratio(self) -> float:
        measured = sum(day.measured for day in self.days)
        down = sum(day.down for day in self.days)
        return 1.0 if measured <= 0 else max(0.0, 1.0 - down / measured)


def downtime(seconds: Mapping[ComponentState, float]) -> float:
    return seconds.get(ComponentState.MAJOR_OUTAGE, 0.0) + PARTIAL_OUTAGE_WEIGHT * seconds.get(
        ComponentState.PARTIAL_OUTAGE, 0.0
    )


def window_start(now: datetime, days: int = DAYS) -> datetime:
    """Midnight UTC of the first day of the window (today is the last)."""
    first = as_utc(now).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(), UTC)


def incident_spans(
    impact: ComponentState,
    started: datetime,
    mitigated: datetime | None,
    resolved: datetime | None,
    now: datetime,
) -> list[Span]:
    """The spans one incident puts on a component (none if its impact does not show)."""
    if impact is ComponentState.OPERATIONAL:
        return []
    end = min(resolved or now, now)
    spans = []
    full_until = min(mitigated or end, end)
    if started < full_until:
        spans.append(Span(started, full_until, impact))
    if mitigated is not None and mitigated < end:
        degraded = min(impact, ComponentState.DEGRADED_PERFORMANCE, key=lambda s: s.rank)
        spans.append(Span(max(mitigated, started), end, degraded))
    return spans


def uptime(spans: Iterable[Span], now: datetime, days: int = DAYS) -> Uptime:
    """The bars of one component: every day of the window, the worst state at each moment."""
    now = as_utc(now)
    start = window_start(now, days)
    first_day = start.date()
    deltas: dict[datetime, list[int]] = defaultdict(lambda: [0] * len(_STATES))
    for span in spans:
        begin, end = max(as_utc(span.start), start), min(as_utc(span.end), now)
        if begin >= end or span.state is ComponentState.OPERATIONAL:
            continue
        deltas[begin][span.state.rank] += 1
        deltas[end][span.state.rank] -= 1
    midnights = [start + timedelta(days=n) for n in range(days)]
    points = sorted({*deltas, *midnights, now})
    seconds = [[0.0] * len(_STATES) for _ in range(days)]
    active = [0] * len(_STATES)
    for at, until in pairwise(points):
        for rank, delta in enumerate(deltas.get(at, ())):
            active[rank] += delta
        rank = max((r for r, count in enumerate(active) if count > 0), default=0)
        if rank:
            seconds[(at.date() - first_day).days][rank] += (until - at).total_seconds()
    result = []
    for index, midnight in enumerate(midnights):
        measured = (min(midnight + timedelta(days=1), now) - midnight).total_seconds()
        spent = {_STATES[r]: s for r, s in enumerate(seconds[index]) if r and s > 0}
        result.append(Day(midnight.date(), spent, max(measured, 0.0)))
    return Uptime(result)


def page_spans(
    session: Session,
    page: StatusPage,
    ranks: Mapping[str, int],
    now: datetime,
    services: Sequence[str] | None = None,
    days: int = DAYS,
) -> dict[str, list[Span]]:
    """Service -> the spans of every incident that touched it within the window, in one
    query (only the lifecycle columns, through the service index)."""
    wanted = list(services if services is not None else page.services)
    start = window_start(now, days)
    rows = session.execute(
        select(
            IncidentService.service,
            Incident.severity,
            Incident.impact_started_at,
            Incident.mitigated_at,
            Incident.resolved_at,
        )
        .join(Incident, Incident.id == IncidentService.incident_id)
        .where(
            IncidentService.service.in_(wanted),
            Incident.impact_started_at < now,
            or_(Incident.resolved_at.is_(None), Incident.resolved_at > start),
        )
    )
    found: dict[str, list[Span]] = {service: [] for service in wanted}
    for service, severity, started, mitigated, resolved in rows:
        impact = impact_state(page, severity, ranks)
        found[service] += incident_spans(impact, started, mitigated, resolved, now)
    return found
