"""Routes between error issues and incidents, both ways: open an incident for an issue (or
link the issue to an open incident), and list the issues an incident is linked to."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from warroom.errors import service as issues
from warroom.errors import views as issue_views
from warroom.errors.models import Issue
from warroom.errors.schemas import IncidentFromIssueIn, IssueOut
from warroom.http.deps import ConfigDep, NowDep, SessionDep, UserDep, WriterDep
from warroom.incidents import from_issues
from warroom.incidents import service as incidents

router = APIRouter(prefix="/api/v1", tags=["errors"])


@router.post(
    "/errors/issues/{ref}/incident", status_code=status.HTTP_201_CREATED, response_model=IssueOut
)
def open_incident(
    ref: str,
    body: IncidentFromIssueIn,
    session: SessionDep,
    config: ConfigDep,
    _user: WriterDep,
    now: NowDep,
) -> IssueOut:
    """Open an incident for the issue, owned by the issue's team (the issue's open incident,
    if it has one, is kept and answered)."""
    issue = issues.get_issue(session, config, ref)
    from_issues.open_for_issue(session, config, issue, body.severity, now)
    session.commit()
    return issue_views.issue_out(config, issue, issue_views.incident_refs(session, [issue]))


@router.get("/incidents/{ref}/issues", response_model=list[IssueOut])
def incident_issues(
    ref: str, session: SessionDep, config: ConfigDep, _user: UserDep
) -> list[IssueOut]:
    incident = incidents.get(session, ref)
    rows = list(
        session.scalars(select(Issue).where(Issue.incident_id == incident.id).order_by(Issue.id))
    )
    refs = issue_views.incident_refs(session, rows)
    return [issue_views.issue_out(config, issue, refs) for issue in rows]
