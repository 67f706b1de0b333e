"""What fired issue rules do to incidents: open one for an error issue (owned by the issue's
team, its time to detect counted from the issue's first event), attach the issue to the open
incident it belongs to, or open a ticket. Notifying the team is the pipeline's (notify sits
above incidents).

- ``incident``: the issue's open incident gets a timeline line; without one, a new incident
  at the rule's severity;
- ``attach``: the issue's open incident, else the open incident of the project's service
  (declared within the last ``ATTACH_WINDOW``), else a new incident;
- ``ticket``: as ``incident``, at the lowest severity of the ladder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.alerting import RuleAction
from warroom.config.projects import IssueRule, Project
from warroom.errors.models import Issue, IssueTag
from warroom.errors.releases.models import Deploy
from warroom.incidents import timeline
from warroom.incidents.commands import DeclareIncident
from warroom.incidents.enums import DetectionSource, TimelineKind
from warroom.incidents.from_alerts import open_incident_for_service
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.incidents.service import declare
from warroom.incidents.suspects import record_suspect
from warroom.ingest.drill import DRILL_LABEL
from warroom.problems import NotFound

ATTACH_WINDOW = timedelta(minutes=30)
MAX_TITLE = 300


def short_id(project: Project, issue: Issue) -> str:
    """``API-12``: the project's slug and the issue's number in it."""
    return f"{project.slug.upper()}-{issue.short_number}"


def open_incident_of(session: Session, issue: Issue) -> Incident | None:
    if issue.incident_id is None:
        return None
    return session.scalar(
        select(Incident).where(Incident.id == issue.incident_id, Incident.status.in_(OPEN_STATUSES))
    )


def _summary(project: Project, issue: Issue) -> str:
    lines = [f"Error issue {short_id(project, issue)} in project {project.slug}: {issue.title}"]
    if issue.culprit:
        lines.append(f"Culprit: {issue.culprit}")
    lines.append(
        f"{issue.times_seen:,} events, {issue.users_seen:,} users, first seen "
        f"{issue.first_seen.isoformat()}"
        + (f" in release {issue.first_release}" if issue.first_release else "")
    )
    return "\n".join(lines)


def link_issue(
    session: Session, incident: Incident, project: Project, issue: Issue, why: str, now: datetime
) -> None:
    issue.incident_id = incident.id
    timeline.record(
        session,
        incident,
        TimelineKind.ISSUE_LINKED,
        None,
        f"error issue {short_id(project, issue)} linked ({why}): {issue.title}",
        now,
        after={"issue": issue.id, "short_id": short_id(project, issue), "project": project.slug},
    )


def issue_drill_token(session: Session, issue: Issue) -> str | None:
    """The drill run's token when the issue's events carry the drill tag."""
    return session.scalar(
        select(IssueTag.value)
        .where(IssueTag.issue_id == issue.id, IssueTag.key == DRILL_LABEL)
        .order_by(IssueTag.first_seen)
        .limit(1)
    )


def _declare(
    session: Session,
    config: Config,
    project: Project,
    issue: Issue,
    severity: str | None,
    why: str,
    now: datetime,
) -> Incident:
    assert issue.team is not None
    services = [project.service] if project.service and config.service(project.service) else []
    first = min(issue.first_seen, now)
    data = DeclareIncident(
        title=f"{short_id(project, issue)} {issue.title}"[:MAX_TITLE],
        severity=severity,
        team=issue.team,
        services=services,
        summary=_summary(project, issue),
        impact_started_at=first,
        detected_at=now,
        detection_source=DetectionSource.ERROR,
        drill=issue_drill_token(session, issue) is not None,
    )
    incident = declare(session, config, None, data, now)
    link_issue(session, incident, project, issue, why, now)
    return incident


def record_issue_suspect(
    session: Session, project: Project, issue: Issue, incident: Incident, now: datetime
) -> None:
    """The issue's suspect deploy on the incident's timeline (once per deploy)."""
    if issue.suspect_deploy_id is None:
        return
    deploy = session.get(Deploy, issue.suspect_deploy_id)
    if deploy is not None:
        record_suspect(
            session,
            incident,
            deploy,
            now,
            issue_short_id=short_id(project, issue),
            first_event_at=issue.first_seen,
        )


def declare_for_issue(
    session: Session,
    config: Config,
    project: Project,
    issue: Issue,
    severity: str | None,
    now: datetime,
) -> Incident:
    """A responder opens an incident for the issue by hand."""
    incident = _declare(session, config, project, issue, severity, "opened by a responder", now)
    record_issue_suspect(session, project, issue, incident, now)
    return incident


def open_for_issue(
    session: Session, config: Config, issue: Issue, severity: str | None, now: datetime
) -> Incident:
    """The issue's open incident, or a new one a responder opens for it, owned by the issue's
    team (the project's team when it has none): the API's and the issue page's action."""
    current = open_incident_of(session, issue)
    if current is not None:
        return current
    project = config.project_by_id(issue.project_id)
    if project is None:
        raise NotFound(f"the project of issue {issue.id} is no longer configured", field="issue")
    issue.team = issue.team or project.team
    return declare_for_issue(session, config, project, issue, severity, now)


def act(
    session: Session,
    config: Config,
    project: Project,
    issue: Issue,
    rule: IssueRule,
    why: str,
    now: datetime,
) -> Incident | None:
    """Carry out ``rule``'s incident action for ``issue``; the incident it touched."""
    reason = f"rule {rule.name}: {why}"
    current = open_incident_of(session, issue)
    if current is not None:
        timeline.record(
            session,
            current,
            TimelineKind.ISSUE_ACTIVITY,
            None,
            f"error issue {short_id(project, issue)}: {why} ({issue.times_seen:,} events)",
            now,
            after={"issue": issue.id, "rule": rule.name},
        )
        return current
    if rule.action is RuleAction.ATTACH and project.service:
        joined = open_incident_for_service(session, project.service, ATTACH_WINDOW, now)
        if joined is not None:
            link_issue(session, joined, project, issue, reason, now)
            return joined
    severity = rule.severity
    if rule.action is RuleAction.TICKET:
        severity = config.severities[-1].key
    return _declare(session, config, project, issue, severity, reason, now)
