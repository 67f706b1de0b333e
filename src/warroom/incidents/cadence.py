"""When the next status update is due, from the severity's cadence.

An incident shown on a status page at a severity that page wants public updates for (by
default SEV1 and SEV2) also needs a *public* update on the same cadence: its next update is
due at whichever comes first, so the update reminder covers the public update too (an
internal update does not stop the public one from falling due).
"""

from __future__ import annotations

from datetime import datetime

from warroom.config import Config
from warroom.config.status_pages import StatusPage
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident


def _due(incident: Incident, config: Config, last: datetime | None) -> datetime | None:
    if incident.status not in OPEN_STATUSES:
        return None
    severity = config.severity(incident.severity)
    if severity is None or severity.update_every is None:
        return None
    if last is None:
        return incident.declared_at + config.incident_defaults.first_update_within
    return last + severity.update_every


def pages_wanting_public_updates(incident: Incident, config: Config) -> list[StatusPage]:
    """The status pages that show a service of the incident and want public updates for its
    severity."""
    services = set(incident.service_slugs)
    ranks = config.severity_ranks
    return [
        page
        for page in config.status_pages
        if services.intersection(page.services)
        and page.wants_public_updates(incident.severity, ranks)
    ]


def next_public_update_due(incident: Incident, config: Config) -> datetime | None:
    """When a public update is due; None when no status page wants one."""
    if not pages_wanting_public_updates(incident, config):
        return None
    return _due(incident, config, incident.last_public_update_at)


def next_update_due(incident: Incident, config: Config) -> datetime | None:
    """First update within ``first_update_within`` of declaring, then every
    ``update_every`` of the severity; none once resolved or without a cadence. The public
    update's due time when it comes first."""
    due = _due(incident, config, incident.last_update_at)
    public = next_public_update_due(incident, config)
    if due is None or public is None:
        return due if public is None else public
    return min(due, public)


def refresh(incident: Incident, config: Config) -> None:
    incident.next_update_due_at = next_update_due(incident, config)
