"""The insights page: response times, incident load, detection, alert noise, on-call health,
with charts drawn by the vendored uPlot (static/insights.js) from JSON blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.incidents.models import Incident
from warroom.learn.insights import detection, durations, follow_through, load, noise, oncall
from warroom.learn.insights.incidents import GroupBy, Metric
from warroom.learn.insights.window import DEFAULT_DAYS, Window
from warroom.learn.postmortems import recurrence
from warroom.web import access
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)}%"


def _window(since: date | None, until: date | None, now: datetime) -> Window:
    """Whole days in UTC: since at 00:00, until to the end of its day (default now)."""
    end = datetime.combine(until, time(), UTC) + timedelta(days=1) if until else now
    start = datetime.combine(since, time(), UTC) if since else end - timedelta(days=DEFAULT_DAYS)
    return Window.of(start, end, now)


def _in_minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _trend_chart(report: durations.DurationReport) -> dict[str, Any]:
    """uPlot's data: bucket starts (epoch seconds), incidents and median TTR in minutes."""
    points = report.trend
    return {
        "x": [int(p.start.timestamp()) for p in points],
        "series": [
            {"label": "Incidents", "values": [p.incidents for p in points]},
            {
                "label": "Median TTR (min)",
                "values": [_in_minutes(p.medians[Metric.TTR]) for p in points],
            },
        ],
    }


def _pages_chart(report: oncall.OncallReport) -> dict[str, Any]:
    weeks = max((len(p.weekly) for p in report.people), default=0)
    start = int(report.window.since.timestamp())
    return {
        "x": [start + week * 7 * 86400 for week in range(weeks)],
        "series": [{"label": p.username, "values": p.weekly} for p in report.people[:8]],
    }


def _recurring(session: Session, window: Window) -> list[dict[str, Any]]:
    """Factors found in several incidents of the window, with the incidents' refs."""
    groups = recurrence.recurring(session, window.since, window.until, 2)
    ids = {i for g in groups for i in g.incidents}
    refs = {i.id: i.ref for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    return [
        {
            "category": g.category,
            "service": g.service,
            "tags": g.tags,
            "incidents": [refs[i] for i in g.incidents if i in refs],
            "done": g.items_done,
            "open": g.items_open,
        }
        for g in groups
    ]


@router.get("/insights")
def insights_page(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    group_by: Annotated[GroupBy, Query()] = GroupBy.TEAM,
    include_drills: Annotated[bool, Query()] = False,
) -> Response:
    window = _window(since, until, now)
    times = durations.report(session, window, group_by, include_drills=include_drills)
    people = oncall.report(session, config, window, include_drills=include_drills)
    context: dict[str, Any] = {
        "window": window,
        "filters": {
            "since": window.since.date().isoformat(),
            "until": (window.until - timedelta(microseconds=1)).date().isoformat(),
            "group_by": group_by.value,
            "include_drills": include_drills,
        },
        "group_bys": [g.value for g in GroupBy],
        "metrics": list(Metric),
        "durations": times,
        "trend_chart": _trend_chart(times) if times.overall.incidents else None,
        "load": load.report(session, config, window, include_drills=include_drills),
        "detection": detection.report(session, window, include_drills=include_drills),
        "noise": noise.report(session, config, window, include_drills=include_drills),
        "oncall": people,
        "pages_chart": _pages_chart(people) if people.people else None,
        "follow_through": follow_through.report(session, window, now.date()),
        "recurring": _recurring(session, window),
        "minutes": minutes,
        "percent": percent,
    }
    return render(request, "insights/page.html", context)
