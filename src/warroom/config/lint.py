"""Warnings: a configuration that is valid but will probably not do what its author wants.

``warroom config check`` prints them after the summary; they never stop a load or a reload.
Warnings that need a domain's logic live with it and are added by the caller (schedule gaps:
``warroom.schedules.gaps.schedule_gap_warnings``), since the configuration sits below them.
"""

from __future__ import annotations

from .defaults import DEFAULT_SEVERITY_MAP
from .models import Config


def config_warnings(config: Config) -> list[str]:
    """Human sentences, in the order of the configuration, e.g. a team nobody can reach."""
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
    return warnings
