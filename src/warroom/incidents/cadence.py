"""When the next status update is due, from the severity's cadence."""

from __future__ import annotations

from datetime import datetime

from warroom.config import Config
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident


def next_update_due(incident: Incident, config: Config) -> datetime | None:
    """First update within ``first_update_within`` of declaring, then every
    ``update_every`` of the severity; none once resolved or without a cadence."""
    if incident.status not in OPEN_STATUSES:
        return None
    severity = config.severity(incident.severity)
    if severity is None or severity.update_every is None:
        return None
    if incident.last_update_at is None:
        return incident.declared_at + config.incident_defaults.first_update_within
    return incident.last_update_at + severity.update_every


def refresh(incident: Incident, config: Config) -> None:
    incident.next_update_due_at = next_update_due(incident, config)
