"""Routes: error issues (list, show, resolve, ignore, reopen), events by id, how an event
was grouped, and projects with their DSNs."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select

from warroom.errors import service, views
from warroom.errors.dsn import dsn
from warroom.errors.grouping import compute_grouping
from warroom.errors.models import Issue, IssueStatus, ProjectOutcome
from warroom.errors.schemas import (
    DsnOut,
    EventOut,
    IgnoreIn,
    IssueDetail,
    IssueOut,
    IssuePage,
    ProjectOut,
    ResolveIn,
)
from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.http.inputs import Offset
from warroom.problems import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1", tags=["errors"])
MAX_PAGE = 200
MAX_EVENTS = 100


@router.get("/errors/issues", response_model=IssuePage)
def list_issues(
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    project: str | None = None,
    status_: Annotated[list[IssueStatus] | None, Query(alias="status")] = None,
    team: str | None = None,
    query: str | None = None,
    environment: str | None = None,
    release: str | None = None,
    sort: service.IssueSort = service.IssueSort.LAST_SEEN,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> IssuePage:
    """Issues, latest seen first (``sort``: last_seen, first_seen, events, users);
    ``environment`` and ``release`` keep those seen there."""
    project_id = None
    if project is not None:
        found = config.project(project)
        if found is None:
            raise InvalidInput(f"unknown project {project!r}", field="project")
        project_id = found.id
    flt = service.IssueFilter(
        project_id, tuple(status_ or ()), team, query, environment, release, sort
    )
    rows, total = service.search(session, flt, limit=limit, offset=offset)
    refs = views.incident_refs(session, rows)
    return IssuePage(
        items=[views.issue_out(config, issue, refs) for issue in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < total else None,
    )


@router.get("/errors/issues/{ref}", response_model=IssueDetail)
def get_issue(ref: str, session: SessionDep, config: ConfigDep, _user: UserDep) -> IssueDetail:
    return views.issue_detail(session, config, service.get_issue(session, config, ref))


def _changed(session: SessionDep, config: ConfigDep, issue: Issue) -> IssueOut:
    session.commit()
    return views.issue_out(config, issue, views.incident_refs(session, [issue]))


@router.post("/errors/issues/{ref}/resolve", response_model=IssueOut)
def resolve_issue(
    ref: str, body: ResolveIn, session: SessionDep, config: ConfigDep, _user: WriterDep, now: NowDep
) -> IssueOut:
    issue = service.get_issue(session, config, ref)
    service.resolve(session, issue, body.mode, now, body.release)
    return _changed(session, config, issue)


@router.post("/errors/issues/{ref}/ignore", response_model=IssueOut)
def ignore_issue(
    ref: str, body: IgnoreIn, session: SessionDep, config: ConfigDep, _user: WriterDep, now: NowDep
) -> IssueOut:
    issue = service.get_issue(session, config, ref)
    duration = timedelta(minutes=body.minutes) if body.minutes else None
    service.ignore(session, issue, body.mode, now, duration=duration, count=body.count)
    return _changed(session, config, issue)


@router.post("/errors/issues/{ref}/unresolve", response_model=IssueOut)
def unresolve_issue(ref: str, session: SessionDep, config: ConfigDep, _user: WriterDep) -> IssueOut:
    issue = service.get_issue(session, config, ref)
    service.unresolve(issue)
    return _changed(session, config, issue)


@router.get("/errors/issues/{ref}/events", response_model=list[EventOut])
def issue_events(
    ref: str,
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 20,
) -> list[EventOut]:
    issue = service.get_issue(session, config, ref)
    return [
        views.event_out(config, event, issue, body=False)
        for event in service.events_of(session, issue, limit)
    ]


@router.get("/errors/events/{event_id}", response_model=EventOut)
def get_event(event_id: str, session: SessionDep, config: ConfigDep, _user: UserDep) -> EventOut:
    event = service.get_event(session, event_id)
    issue = session.get(Issue, event.issue_id)
    assert issue is not None
    return views.event_out(config, event, issue)


@router.get("/errors/events/{event_id}/grouping")
def explain_event(
    event_id: str, session: SessionDep, config: ConfigDep, _user: UserDep
) -> dict[str, Any]:
    """Which components of the event made its grouping hashes."""
    event = service.get_event(session, event_id)
    if event.body is None:
        raise NotFound(
            f"event {event_id} is counted but its body is not kept (only samples are)",
            field="event_id",
        )
    issue = session.get(Issue, event.issue_id)
    assert issue is not None
    grouping = compute_grouping(event.body)
    return {
        "event_id": event.event_id,
        "issue": service.short_id(config.project_by_id(event.project_id), issue),
        **grouping.to_dict(),
        "explanation": grouping.explain(),
    }


@router.get("/projects", response_model=list[ProjectOut])
def list_projects(
    request: Request, session: SessionDep, config: ConfigDep, _user: UserDep
) -> list[ProjectOut]:
    return [_project_out(request, session, config, p.slug) for p in config.projects]


@router.get("/projects/{slug}", response_model=ProjectOut)
def get_project(
    slug: str, request: Request, session: SessionDep, config: ConfigDep, _user: UserDep
) -> ProjectOut:
    return _project_out(request, session, config, slug)


def _project_out(request: Request, session: SessionDep, config: ConfigDep, slug: str) -> ProjectOut:
    project = config.project(slug)
    if project is None:
        raise NotFound(f"no project {slug!r}", field="project")
    public_url: str = request.app.state.settings.public_url
    unresolved = session.scalar(
        select(func.count())
        .select_from(Issue)
        .where(Issue.project_id == project.id, Issue.status == IssueStatus.UNRESOLVED)
    )
    outcomes = session.scalars(
        select(ProjectOutcome)
        .where(ProjectOutcome.project_id == project.id)
        .order_by(ProjectOutcome.source, ProjectOutcome.category, ProjectOutcome.reason)
    )
    return ProjectOut(
        slug=project.slug,
        id=project.id,
        team=project.team,
        platform=project.platform,
        service=project.service,
        allowed_origins=project.allowed_origins,
        events_per_minute=project.events_per_minute,
        keys=[
            DsnOut(
                public_key=key.public_key,
                label=key.label,
                disabled=key.disabled,
                dsn=dsn(public_url, project, key),
                events_per_minute=key.events_per_minute,
            )
            for key in project.keys
        ],
        unresolved_issues=unresolved or 0,
        outcomes=[
            {
                "source": o.source,
                "category": o.category,
                "reason": o.reason,
                "quantity": o.quantity,
                "last_at": o.last_at.isoformat(),
            }
            for o in outcomes
        ],
        intake=request.app.state.sentry.stats.of(project.slug),
    )
