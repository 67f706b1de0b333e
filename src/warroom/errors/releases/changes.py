"""PagerDuty change events that name a release become deploys.

A change event (``POST /v2/change/enqueue``, kept as a ``ServiceChange``) is a deploy when its
``custom_details`` name a release:

- release: ``release`` (or ``version``), a string or number;
- projects: ``project`` (a project slug) or ``projects`` (a list of slugs); without either,
  every project whose ``service`` is the change's service;
- environment: ``environment`` (or ``env``); without either, ``production``;
- the deploy's name is the change's summary, its URL the first link, and it finished at the
  change's timestamp.

A change that names no release, or no project warroom knows, stays a service change only. The
deploy is written in the same transaction as the change, so both are durable before the 202.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.errors.releases import service
from warroom.errors.releases.commands import NewDeploy, NewRelease
from warroom.errors.releases.models import NAME_LENGTH, URL_LENGTH, DeploySource
from warroom.ingest.models import ServiceChange
from warroom.problems import InvalidInput

log = structlog.get_logger("warroom.releases")

DEFAULT_CHANGE_ENVIRONMENT = "production"
RELEASE_KEYS = ("release", "version")
ENVIRONMENT_KEYS = ("environment", "env")


def _first_text(details: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = details.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, str | int | float) and str(value).strip():
            return str(value).strip()
    return None


def change_projects(config: Config, change: ServiceChange) -> list[int]:
    details = change.details or {}
    named = details.get("projects", details.get("project"))
    slugs = [named] if isinstance(named, str) else named if isinstance(named, list) else []
    if slugs:
        found = [config.project(slug) for slug in slugs if isinstance(slug, str)]
        return sorted({project.id for project in found if project is not None})
    if change.service is None:
        return []
    return sorted(p.id for p in config.projects if p.service == change.service)


def deploy_of_change(config: Config, change: ServiceChange) -> tuple[NewRelease, NewDeploy] | None:
    """The release and deploy a change event means, or None when it is no deploy."""
    details = change.details or {}
    version = _first_text(details, RELEASE_KEYS)
    projects = change_projects(config, change)
    if version is None or not projects:
        return None
    environment = _first_text(details, ENVIRONMENT_KEYS) or DEFAULT_CHANGE_ENVIRONMENT
    links = change.links or []
    url = next((link.get("href") for link in links if isinstance(link, dict)), None)
    return (
        NewRelease(version=version, project_ids=projects),
        NewDeploy(
            environment=environment,
            name=change.summary[:NAME_LENGTH] or None,
            url=url[:URL_LENGTH] if isinstance(url, str) else None,
            finished_at=change.happened_at,
            project_ids=projects,
        ),
    )


def on_service_change(
    session: Session, config: Config, change: ServiceChange, now: datetime
) -> None:
    """Record the deploy a change event names (installed as ingest's change listener)."""
    mapped = deploy_of_change(config, change)
    if mapped is None:
        return
    release_command, deploy_command = mapped
    try:
        service.check_version(release_command.version, "custom_details.release")
        service.check_environment(deploy_command.environment, "custom_details.environment")
    except InvalidInput as exc:
        # The change itself is fine for PagerDuty's API; only the deploy is not (checked
        # before anything is written, so nothing half-made stays).
        log.warning("change_event_not_a_deploy", change=change.id, reason=exc.message)
        return
    release, _created = service.record_release(session, release_command, now)
    service.record_deploy(
        session,
        release,
        deploy_command,
        now,
        source=DeploySource.CHANGE_EVENT,
        service_change_id=change.id,
    )
