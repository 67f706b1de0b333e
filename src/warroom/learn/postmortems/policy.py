"""Which incidents need a postmortem, and by when."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.config import Config
from warroom.config.hours import WEEKDAYS, WORKDAYS, Weekday
from warroom.incidents.models import Incident


def required(config: Config, incident: Incident) -> bool:
    """The incident's severity says ``postmortem: required`` (an unknown severity, e.g.
    one removed from the config since, requires none)."""
    severity = config.severity(incident.severity)
    return severity is not None and severity.postmortem_required


def add_working_days(
    start: datetime, days: int, working: list[Weekday], zone: ZoneInfo
) -> datetime:
    """``start`` moved forward by ``days`` working days of the team, at the same local time
    (a weekend or other non-working day never counts)."""
    working_days = set(working) or set(WORKDAYS)
    local = start.astimezone(zone)
    counted = 0
    while counted < days:
        local += timedelta(days=1)
        if WEEKDAYS[local.weekday()] in working_days:
            counted += 1
    return local.astimezone(start.tzinfo)


def due_at(config: Config, incident: Incident) -> datetime | None:
    """``postmortems.due_within_working_days`` after the incident was resolved, counted in
    the owning team's working days and time zone; None when none is required or the
    incident is not resolved."""
    if not required(config, incident) or incident.resolved_at is None:
        return None
    team = config.team(incident.team)
    zone = team.zone if team is not None else ZoneInfo("UTC")
    working = list(team.working_hours.days) if team is not None else list(WORKDAYS)
    days = config.postmortems.due_within_working_days
    return add_working_days(incident.resolved_at, days, working, zone)
