"""Error issues: the list of a project's issues with their filters, the page of one issue
(its latest kept event's stack trace, breadcrumbs, tags, releases; resolve, ignore,
reopen, open an incident), and release health per release and environment."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Permission
from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.projects import Project
from warroom.errors import service, sessions, views
from warroom.errors.models import IgnoreMode, Issue, IssueStatus, ResolveMode
from warroom.errors.releases.order import ReleaseOrder
from warroom.errors.schemas import EventOut, IgnoreIn, IncidentFromIssueIn, ResolveIn
from warroom.http.deps import ConfigDep, NowDep, SessionDep
from warroom.incidents import from_issues
from warroom.problems import InvalidInput
from warroom.web import access
from warroom.web.forms import validated
from warroom.web.pages.error_events import event_view
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50
SLUG = 64
RELEASE = 250
StatusChoice = Literal["unresolved", "resolved", "ignored", "all"]
SORTS = {
    service.IssueSort.LAST_SEEN: "last seen",
    service.IssueSort.FIRST_SEEN: "first seen",
    service.IssueSort.EVENTS: "events",
    service.IssueSort.USERS: "users",
}
IGNORE_DURATIONS = {
    30: "30 minutes",
    60: "1 hour",
    360: "6 hours",
    1440: "24 hours",
    10080: "1 week",
}
"""Minutes → label: the choices of "ignore for" (the API takes any number of minutes)."""


@dataclass(frozen=True)
class Period:
    label: str
    length: timedelta
    step: timedelta
    """One point of the chart."""


PERIODS = {
    "24h": Period("24 hours", timedelta(hours=24), timedelta(hours=1)),
    "7d": Period("7 days", timedelta(days=7), timedelta(hours=6)),
    "14d": Period("14 days", timedelta(days=14), timedelta(days=1)),
    "30d": Period("30 days", timedelta(days=30), timedelta(days=1)),
    "90d": Period("90 days", timedelta(days=90), timedelta(days=1)),
}
PeriodChoice = Literal["24h", "7d", "14d", "30d", "90d"]
CHART_RELEASES = 8
"""Releases drawn on the chart: those with the most sessions (the table lists all)."""


def percent(rate: float | None) -> str:
    """A rate in [0, 1] as a percent with two decimals, rounded down (99.999% never reads
    as 100%); ``—`` when nothing was counted."""
    if rate is None:
        return "—"
    return f"{math.floor(rate * 10_000 + 1e-9) / 100:.2f}%"


def back(issue: Issue) -> Response:
    return RedirectResponse(f"/errors/issues/{issue.id}", status_code=303)


def _projects(config: Config) -> list[Project]:
    return sorted(config.projects, key=lambda p: p.slug)


def _project(config: Config, slug: str) -> Project | None:
    """The project named, the first one when none is; 422 for an unknown slug."""
    if not slug:
        projects = _projects(config)
        return projects[0] if projects else None
    found = config.project(slug)
    if found is None:
        raise InvalidInput(f"unknown project {slug!r}", field="project")
    return found


def _query(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in ("", None, 0)})


@router.get("/errors")
def issue_list(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    caller: access.ReaderPage,
    project: Annotated[str, Query(max_length=SLUG)] = "",
    status: Annotated[StatusChoice, Query()] = "unresolved",
    environment: Annotated[str, Query(max_length=SLUG)] = "",
    release: Annotated[str, Query(max_length=RELEASE)] = "",
    query: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[service.IssueSort, Query()] = service.IssueSort.LAST_SEEN,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    selected = _project(config, project)
    filters = {
        "project": selected.slug if selected else "",
        "status": status,
        "environment": environment,
        "release": release,
        "query": query,
        "sort": sort.value,
    }
    context: dict[str, Any] = {
        "projects": [p.slug for p in _projects(config)],
        "project": selected,
        "filters": filters,
        "statuses": ["unresolved", "resolved", "ignored", "all"],
        "sorts": {s.value: label for s, label in SORTS.items()},
        "issues": [],
        "total": 0,
        "releases": [],
        "environments": [],
        "next_page": None,
        "previous_page": None,
    }
    if selected is not None:
        flt = service.IssueFilter(
            project_id=selected.id,
            statuses=() if status == "all" else (IssueStatus(status),),
            query=query or None,
            environment=environment or None,
            release=release or None,
            sort=sort,
        )
        rows, total = service.search(session, flt, limit=PAGE_SIZE, offset=offset)
        refs = views.incident_refs(session, rows)
        releases, environments = service.seen_in(session, selected.id)
        context.update(
            issues=[views.issue_out(config, issue, refs) for issue in rows],
            total=total,
            releases=releases,
            environments=environments,
            next_page=_query({**filters, "offset": offset + PAGE_SIZE})
            if offset + PAGE_SIZE < total
            else None,
            previous_page=_query({**filters, "offset": max(0, offset - PAGE_SIZE)})
            if offset
            else None,
        )
    return render(request, "errors/list.html", context)


@dataclass(frozen=True)
class KeptEvent:
    """A link of the event navigation."""

    event_id: str
    timestamp: datetime
    release: str | None
    environment: str | None
    label: str


def _kept(session: SessionDep, issue: Issue) -> list[KeptEvent]:
    rows = service.samples(session, issue)
    return [
        KeptEvent(
            e.event_id,
            as_utc(e.timestamp),
            e.release,
            e.environment,
            "first" if index == len(rows) - 1 and len(rows) > 1 else "latest" if index == 0 else "",
        )
        for index, e in enumerate(rows)
    ]


@router.get("/errors/issues/{ref}")
def issue_page(
    ref: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    caller: access.ReaderPage,
    event: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    issue = service.get_issue(session, config, ref)
    detail = views.issue_detail(session, config, issue)
    sample: EventOut | None = detail.sample
    if event:
        sample = views.event_out(config, service.sample_of(session, issue, event), issue)
    kept = _kept(session, issue)
    ids = [k.event_id for k in kept]
    at = ids.index(sample.event_id) if sample is not None and sample.event_id in ids else None
    releases, _environments = service.seen_in(session, issue.project_id)
    return render(
        request,
        "errors/issue.html",
        {
            "issue": detail,
            "sample": sample,
            "event": event_view(sample.body) if sample is not None and sample.body else None,
            "kept": kept,
            "current": at,
            "newer": kept[at - 1].event_id if at is not None and at > 0 else None,
            "older": kept[at + 1].event_id if at is not None and at + 1 < len(kept) else None,
            "can_act": caller.may(Permission.RESPOND),
            "releases": releases,
            "ignore_durations": IGNORE_DURATIONS,
            "severities": config.severities,
            "default_severity": config.incident_defaults.severity,
        },
    )


@router.post("/errors/issues/{ref}/resolve")
def resolve(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    mode: Annotated[str, Form(max_length=32)] = ResolveMode.NOW.value,
    release: Annotated[str, Form(max_length=RELEASE)] = "",
) -> Response:
    body = validated(ResolveIn, mode=mode, release=release)
    issue = service.get_issue(session, config, ref)
    service.resolve(session, issue, body.mode, now, body.release)
    session.commit()
    return back(issue)


@router.post("/errors/issues/{ref}/ignore")
def ignore(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    mode: Annotated[str, Form(max_length=32)] = IgnoreMode.FOREVER.value,
    minutes: Annotated[str, Form(max_length=16)] = "",
    count: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    body = validated(IgnoreIn, mode=mode, minutes=minutes, count=count)
    issue = service.get_issue(session, config, ref)
    duration = timedelta(minutes=body.minutes) if body.minutes else None
    service.ignore(session, issue, body.mode, now, duration=duration, count=body.count)
    session.commit()
    return back(issue)


@router.post("/errors/issues/{ref}/unresolve")
def unresolve(
    ref: str, session: SessionDep, config: ConfigDep, caller: access.ResponderAction
) -> Response:
    issue = service.get_issue(session, config, ref)
    service.unresolve(issue)
    session.commit()
    return back(issue)


@router.post("/errors/issues/{ref}/incident")
def open_incident(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ResponderAction,
    severity: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    body = validated(IncidentFromIssueIn, severity=severity)
    issue = service.get_issue(session, config, ref)
    from_issues.open_for_issue(session, config, issue, body.severity, now)
    session.commit()
    return back(issue)


@dataclass(frozen=True)
class HealthRow:
    release: str
    environment: str
    sessions: int
    crashed: int
    users: int
    crashed_users: int
    crash_free_sessions: float | None
    crash_free_users: float | None
    adoption: float | None
    new_issues: int


def _chart(
    points: list[sessions.HealthPoint],
    rows: list[HealthRow],
    since: datetime,
    now: datetime,
    step: timedelta,
) -> dict[str, Any]:
    """uPlot's data: bucket starts (epoch seconds) and, per release and environment, the
    crash-free sessions in percent (null where none started)."""
    width = int(step.total_seconds())
    first = int(as_utc(since).timestamp()) // width * width
    last = int(as_utc(now).timestamp()) // width * width
    xs = list(range(first, last + 1, width))
    busiest = sorted(rows, key=lambda r: -r.sessions)[:CHART_RELEASES]
    drawn = [(r.release, r.environment) for r in busiest if r.sessions]
    values: dict[tuple[str, str], dict[int, float | None]] = {key: {} for key in drawn}
    for point in points:
        key = (point.release, point.environment)
        if key in values and point.crash_free_sessions is not None:
            values[key][int(point.at.timestamp())] = round(100 * point.crash_free_sessions, 3)
    return {
        "x": xs,
        "series": [
            {"label": f"{release} ({env})", "values": [values[(release, env)].get(x) for x in xs]}
            for release, env in drawn
        ],
    }


@router.get("/errors/releases")
def release_health(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
    project: Annotated[str, Query(max_length=SLUG)] = "",
    environment: Annotated[str, Query(max_length=SLUG)] = "",
    period: Annotated[PeriodChoice, Query()] = "7d",
) -> Response:
    selected = _project(config, project)
    chosen = PERIODS[period]
    since = now - chosen.length
    context: dict[str, Any] = {
        "projects": [p.slug for p in _projects(config)],
        "project": selected,
        "filters": {"project": selected.slug if selected else "", "environment": environment},
        "period": period,
        "periods": {key: p.label for key, p in PERIODS.items()},
        "rows": [],
        "environments": [],
        "chart": None,
        "percent": percent,
    }
    if selected is not None:
        every = sessions.health(session, selected.id, None, None, since)
        found = [h for h in every if not environment or h.environment == environment]
        shares = sessions.adoption(found)
        new = service.new_issue_counts(session, selected.id)
        order = ReleaseOrder(session, selected.id).ordered(h.release for h in found)
        rank = {release: index for index, release in enumerate(reversed(order))}
        rows = [
            HealthRow(
                release=h.release,
                environment=h.environment,
                sessions=h.started,
                crashed=h.crashed,
                users=h.users,
                crashed_users=h.crashed_users,
                crash_free_sessions=h.crash_free_sessions,
                crash_free_users=h.crash_free_users,
                adoption=shares.get(sessions.HealthKey(h.release, h.environment)),
                new_issues=new.get((h.release, h.environment), 0),
            )
            for h in sorted(found, key=lambda h: (rank[h.release], h.environment))
        ]
        points = sessions.series(
            session, selected.id, since, chosen.step, environment=environment or None
        )
        context.update(
            rows=rows,
            environments=sorted({h.environment for h in every}),
            chart=_chart(points, rows, since, now, chosen.step) if rows else None,
        )
    return render(request, "errors/releases.html", context)
