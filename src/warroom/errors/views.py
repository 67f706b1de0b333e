"""Issues, events and projects as the API shows them."""

from __future__ import annotations

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.errors import service
from warroom.errors.models import ErrorEvent, Issue
from warroom.errors.releases.models import Deploy, Release
from warroom.errors.schemas import EventOut, IssueDetail, IssueOut, ReleaseSeen

INCIDENTS = "incidents"


def incident_refs(session: Session, issues: list[Issue]) -> dict[int, str]:
    """``INC-n`` of the issues' incidents, read by table name (errors sit below incidents)."""
    ids = {i.incident_id for i in issues if i.incident_id is not None}
    if not ids:
        return {}
    incidents = table(INCIDENTS, column("id"), column("number"))
    rows = session.execute(
        select(incidents.c.id, incidents.c.number).where(incidents.c.id.in_(ids))
    )
    return {row.id: f"INC-{row.number}" for row in rows}


def issue_out(config: Config, issue: Issue, refs: dict[int, str]) -> IssueOut:
    project = config.project_by_id(issue.project_id)
    return IssueOut(
        id=issue.id,
        short_id=service.short_id(project, issue),
        project=project.slug if project else str(issue.project_id),
        title=issue.title,
        culprit=issue.culprit,
        type=issue.type,
        metadata=issue.event_metadata,
        level=issue.level,
        platform=issue.platform,
        status=issue.status,
        substatus=issue.substatus,
        first_seen=issue.first_seen,
        last_seen=issue.last_seen,
        events=issue.times_seen,
        users=issue.users_seen,
        first_release=issue.first_release,
        last_release=issue.last_release,
        team=issue.team,
        routed_by=issue.routed_by,
        resolution=issue.resolution,
        resolved_in_release=issue.resolved_in_release,
        resolved_at=issue.resolved_at,
        ignore_mode=issue.ignore_mode,
        ignore_until=issue.ignore_until,
        ignore_count=issue.ignore_count,
        incident=refs.get(issue.incident_id) if issue.incident_id else None,
        suspect_deploy_id=issue.suspect_deploy_id,
    )


def event_out(config: Config, event: ErrorEvent, issue: Issue, body: bool = True) -> EventOut:
    project = config.project_by_id(event.project_id)
    return EventOut(
        event_id=event.event_id,
        issue_id=issue.id,
        issue=service.short_id(project, issue),
        project=project.slug if project else str(event.project_id),
        timestamp=event.timestamp,
        received_at=event.received_at,
        level=event.level,
        release=event.release,
        environment=event.environment,
        user=event.user_key,
        stored=event.body is not None,
        body=event.body if body else None,
    )


def suspect(session: Session, issue: Issue) -> dict[str, object] | None:
    """The deploy the issue followed within the suspect window, if any."""
    if issue.suspect_deploy_id is None:
        return None
    row = session.execute(
        select(Deploy, Release.version)
        .join(Release, Release.id == Deploy.release_id)
        .where(Deploy.id == issue.suspect_deploy_id)
    ).first()
    if row is None:
        return None
    deploy, version = row
    return {
        "id": deploy.id,
        "release": version,
        "environment": deploy.environment,
        "name": deploy.name,
        "finished_at": deploy.finished_at.isoformat(),
    }


def issue_detail(session: Session, config: Config, issue: Issue) -> IssueDetail:
    base = issue_out(config, issue, incident_refs(session, [issue]))
    sample = service.latest_sample(session, issue)
    return IssueDetail(
        **base.model_dump(),
        suspect_deploy=suspect(session, issue),
        tags=service.tag_values(session, issue),
        releases=[
            ReleaseSeen(
                release=row.release,
                environment=row.environment,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                events=row.times_seen,
                regressed=row.regressed,
            )
            for row in service.releases(session, issue)
        ],
        sample=event_out(config, sample, issue) if sample is not None else None,
    )
