"""The targets a drill's measures are held to: the scenario's own, else the team's
escalation policy and the incident defaults, else the drills section's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from warroom.config import Config
from warroom.config.drills import DrillScenario


@dataclass(frozen=True)
class Targets:
    detect: timedelta
    """Injection to incident opened."""
    acknowledge: timedelta
    """Incident opened to acknowledged."""
    first_update: timedelta
    """Incident opened to its first status update."""


def first_wait(config: Config, team_slug: str) -> timedelta | None:
    """The first wait step of the team's escalation policy: how long the first person paged
    has before the page goes further."""
    team = config.team(team_slug)
    policy = (
        config.escalation_policy(team.escalation_policy)
        if team and team.escalation_policy
        else None
    )
    for step in policy.steps if policy is not None else []:
        if step.wait is not None:
            return step.wait
    return None


def targets_of(config: Config, scenario: DrillScenario) -> Targets:
    own = scenario.targets
    settings = config.drills
    return Targets(
        detect=own.detect or settings.detect_within,
        acknowledge=own.acknowledge
        or first_wait(config, scenario.team)
        or settings.acknowledge_within,
        first_update=own.first_update or config.incident_defaults.first_update_within,
    )
