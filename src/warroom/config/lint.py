"""Warnings: a configuration that is valid but will probably not do what its author wants.

``warroom config check`` prints them after the summary; they never stop a load or a reload.
"""

from __future__ import annotations

from datetime import datetime

from warroom.clock import utcnow

from .defaults import DEFAULT_SEVERITY_MAP
from .models import Config


def config_warnings(config: Config, *, now: datetime | None = None) -> list[str]:
    """Human sentences, in the order of the configuration, e.g. a team nobody can reach.

    ``now`` (default: the real time) starts the four weeks checked for schedule gaps."""
    unreachable = {team.slug for team in config.teams if not team.contacts}
    warnings = [
        f"team {team.slug!r} has no contacts: nobody can be notified"
        for team in config.teams
        if team.slug in unreachable
    ]
    warnings += [
        f"service {service.slug!r} is owned by team {service.team!r}, which has no contacts: "
        "its incidents reach nobody"
        for service in config.services
        if service.team in unreachable
    ]
    if config.integrations and config.severity_map is None:
        missing = sorted(set(DEFAULT_SEVERITY_MAP.values()) - set(config.severity_keys()))
        if missing:
            warnings.append(
                f"severity_map is not set and the default map points at {', '.join(missing)}, "
                "which are not defined here: alerts with those severity labels get "
                f"incident_defaults.severity ({config.incident_defaults.severity}) unless an "
                "alert rule sets one"
            )
    warnings += schedule_gap_warnings(config, utcnow() if now is None else now)
    return warnings


def schedule_gap_warnings(config: Config, now: datetime) -> list[str]:
    """Stretches of the next four weeks when a layered schedule has nobody on call."""
    from warroom.schedules.gaps import gap_warnings  # the rotation math lives with on-call

    return [warning for schedule in config.schedules for warning in gap_warnings(schedule, now)]
