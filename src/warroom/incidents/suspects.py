"""Putting an issue's suspect deploy on its incident's timeline.

``warroom.errors.releases.suspects`` finds the deploy; this records it on the incident, once
per deploy and incident.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.errors.releases.models import Deploy, Release
from warroom.incidents import timeline
from warroom.incidents.enums import TimelineKind
from warroom.incidents.models import Incident, TimelineEntry

SECONDS_PER_MINUTE = 60


def suspect_text(version: str, deploy: Deploy, first_event_at: datetime | None) -> str:
    done = deploy.finished_at.strftime("%Y-%m-%d %H:%M UTC")
    text = f"Suspect deploy: release {version} to {deploy.environment} at {done}"
    if deploy.name:
        text += f" ({deploy.name})"
    if first_event_at is not None:
        minutes = int((first_event_at - deploy.finished_at).total_seconds() // SECONDS_PER_MINUTE)
        text += f", {minutes} min before the first event"
    return text


def record_suspect(
    session: Session,
    incident: Incident,
    deploy: Deploy,
    now: datetime,
    *,
    issue_short_id: str | None = None,
    first_event_at: datetime | None = None,
) -> bool:
    """Add a ``suspect_deploy`` entry unless the incident already names this deploy;
    whether it was added."""
    if incident.id is not None:
        kinds = session.scalars(
            select(TimelineEntry.after).where(
                TimelineEntry.incident_id == incident.id,
                TimelineEntry.kind == TimelineKind.SUSPECT_DEPLOY,
            )
        )
        if any(isinstance(after, dict) and after.get("deploy_id") == deploy.id for after in kinds):
            return False
    version = session.scalar(select(Release.version).where(Release.id == deploy.release_id)) or "?"
    after: dict[str, object] = {
        "deploy_id": deploy.id,
        "release": version,
        "environment": deploy.environment,
        "finished_at": deploy.finished_at.isoformat(),
    }
    if issue_short_id is not None:
        after["issue"] = issue_short_id
    timeline.record(
        session,
        incident,
        TimelineKind.SUSPECT_DEPLOY,
        None,
        suspect_text(version, deploy, first_event_at),
        now,
        after=after,
    )
    return True
