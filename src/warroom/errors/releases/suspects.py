"""Deploy correlation: which deploy is the suspect for a new issue or a spike.

A deploy of the project to the event's environment that finished within ``SUSPECT_WINDOW``
before the first event (of the new issue, or of the spike). A deploy of the event's own
release is preferred; else the latest deploy in the window. The worker calls
:func:`suspect_deploy` and stores the answer in ``Issue.suspect_deploy_id``;
``warroom.incidents.suspects`` puts it on the incident's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.errors.releases.models import Deploy, DeployProject, Release

SUSPECT_WINDOW = timedelta(hours=1)


def any_deploy_since(session: Session, project_id: int, since: datetime) -> bool:
    """Whether the project had a deploy that finished at ``since`` or later."""
    found = session.scalar(
        select(Deploy.id)
        .join(DeployProject, DeployProject.deploy_id == Deploy.id)
        .where(DeployProject.project_id == project_id, Deploy.finished_at >= since)
        .limit(1)
    )
    return found is not None


def suspect_deploy(
    session: Session,
    project_id: int,
    environment: str | None,
    release: str | None,
    seen_at: datetime,
    window: timedelta = SUSPECT_WINDOW,
) -> Deploy | None:
    """The suspect deploy, or None. An event without an environment matches deploys to any
    environment."""
    stmt = (
        select(Deploy, Release.version)
        .join(DeployProject, DeployProject.deploy_id == Deploy.id)
        .join(Release, Release.id == Deploy.release_id)
        .where(
            DeployProject.project_id == project_id,
            Deploy.finished_at >= seen_at - window,
            Deploy.finished_at <= seen_at,
        )
        .order_by(Deploy.finished_at.desc(), Deploy.id.desc())
    )
    if environment:
        stmt = stmt.where(Deploy.environment == environment)
    candidates = session.execute(stmt).all()
    for deploy, version in candidates:
        if release and version == release:
            return deploy
    return candidates[0][0] if candidates else None
