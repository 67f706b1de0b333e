"""The release gate: may release R of project P leave environment E?

It fails while the project has unresolved issues that are **new** in R in E — the issue's
earliest first-seen row for E (``IssueRelease``) is R's — or that **regressed** in R in E (an
event of R in E reopened the resolved issue). Ignored and resolved issues never fail it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, exists, not_, or_, select
from sqlalchemy.orm import Session, aliased

from warroom.errors.models import Issue, IssueRelease, IssueStatus
from warroom.errors.releases.models import Release


class GateReason(StrEnum):
    NEW = "new"
    REGRESSED = "regressed"


@dataclass(frozen=True)
class GateIssue:
    issue_id: int
    short_id: str
    title: str
    culprit: str
    level: str
    reason: GateReason
    first_seen: datetime
    """First event of the issue in this release and environment."""
    events: int
    """Events of the issue in this release and environment."""


@dataclass(frozen=True)
class GateResult:
    project: str
    release: str
    environment: str
    release_known: bool
    """Whether warroom has heard of the release (recorded, or named by an event)."""
    issues: list[GateIssue] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.issues


def short_id(project_slug: str, number: int) -> str:
    """An issue as people name it: ``API-12``."""
    return f"{project_slug.upper()}-{number}"


def check(
    session: Session, project_id: int, project_slug: str, release: str, environment: str
) -> GateResult:
    here = aliased(IssueRelease)
    earlier = aliased(IssueRelease)
    seen_before = exists().where(
        earlier.issue_id == here.issue_id,
        earlier.environment == environment,
        earlier.first_seen < here.first_seen,
    )
    rows = session.execute(
        select(Issue, here)
        .join(here, here.issue_id == Issue.id)
        .where(
            Issue.project_id == project_id,
            Issue.status == IssueStatus.UNRESOLVED,
            here.release == release,
            here.environment == environment,
            or_(here.regressed.is_(True), not_(seen_before)),
        )
        .order_by(here.first_seen, Issue.id)
    ).all()
    issues = [
        GateIssue(
            issue_id=issue.id,
            short_id=short_id(project_slug, issue.short_number),
            title=issue.title,
            culprit=issue.culprit,
            level=issue.level,
            reason=GateReason.REGRESSED if row.regressed else GateReason.NEW,
            first_seen=row.first_seen,
            events=row.times_seen,
        )
        for issue, row in rows
    ]
    return GateResult(
        project=project_slug,
        release=release,
        environment=environment,
        release_known=bool(issues) or _known(session, project_id, release),
        issues=issues,
    )


def _known(session: Session, project_id: int, release: str) -> bool:
    if session.scalar(select(Release.id).where(Release.version == release)) is not None:
        return True
    named = session.scalar(
        select(IssueRelease.id)
        .join(Issue, and_(Issue.id == IssueRelease.issue_id, Issue.project_id == project_id))
        .where(IssueRelease.release == release)
        .limit(1)
    )
    return named is not None
