"""What a fired crash-free rule does: open an incident about the release for the project's
team (``incident``, ``ticket`` at the lowest severity), or for ``attach`` add a timeline line
to the open incident of the project's service when there is one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.alerting import RuleAction
from warroom.config.projects import IssueRule, Project
from warroom.incidents import timeline
from warroom.incidents.commands import MAX_TITLE, DeclareIncident
from warroom.incidents.enums import DetectionSource, TimelineKind
from warroom.incidents.from_alerts import open_incident_for_service
from warroom.incidents.from_issues import ATTACH_WINDOW
from warroom.incidents.models import Incident
from warroom.incidents.service import declare

TENTHS = 10


@dataclass(frozen=True)
class CrashFreeDrop:
    """A release's crash-free sessions rate (percent) fell below a rule's threshold."""

    release: str
    environment: str
    rate: float
    threshold: float
    sessions: int
    crashed: int
    since: datetime


def percent(value: float) -> str:
    """One decimal, rounded down: a rate below the threshold never reads as reaching it."""
    return f"{math.floor(value * TENTHS) / TENTHS:.1f}%"


def title(drop: CrashFreeDrop) -> str:
    return (
        f"Crash-free sessions of {drop.release} in {drop.environment} at {percent(drop.rate)} "
        f"(below {drop.threshold:g}%)"
    )[:MAX_TITLE]


def _summary(project: Project, rule: IssueRule, drop: CrashFreeDrop) -> str:
    return (
        f"Release health of project {project.slug}: {drop.crashed:,} of {drop.sessions:,} "
        f"sessions of {drop.release} in {drop.environment} started since "
        f"{drop.since.isoformat()} crashed ({percent(drop.rate)} crash-free; rule {rule.name} "
        f"fires below {drop.threshold:g}%)."
    )


def act_on_drop(
    session: Session,
    config: Config,
    project: Project,
    rule: IssueRule,
    drop: CrashFreeDrop,
    now: datetime,
) -> Incident:
    """Carry out ``rule``'s action for the drop; the incident it opened or touched."""
    if rule.action is RuleAction.ATTACH and project.service:
        joined = open_incident_for_service(session, project.service, ATTACH_WINDOW, now)
        if joined is not None:
            timeline.record(
                session,
                joined,
                TimelineKind.NOTE,
                None,
                f"rule {rule.name}: {title(drop)}",
                now,
                after={"project": project.slug, "release": drop.release, "rule": rule.name},
            )
            return joined
    severity = rule.severity
    if rule.action is RuleAction.TICKET:
        severity = config.severities[-1].key
    services = [project.service] if project.service and config.service(project.service) else []
    data = DeclareIncident(
        title=title(drop),
        team=project.team,
        severity=severity,
        services=services,
        summary=_summary(project, rule, drop),
        detected_at=now,
        detection_source=DetectionSource.ANOMALY,
    )
    return declare(session, config, None, data, now)
