"""Incident load per team: the SEV-3 : SEV-1 ratio, the weighted load and their direction.

The seeds' rule: many small incidents and few big ones is healthy (problems are caught
while they are still small); one SEV-1 weighs as much as a hundred SEV-3s.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.learn.insights.incidents import in_window
from warroom.learn.insights.window import Window

ALL_TEAMS = "all"
MINOR = "SEV3"
CRITICAL = "SEV1"


class Direction(StrEnum):
    HEALTHIER = "healthier"
    STEADY = "steady"
    WORSE = "worse"


VERDICTS = {
    Direction.HEALTHIER: "Healthier: more SEV-3 and fewer SEV-1 than the window before "
    "(problems are caught while they are small).",
    Direction.STEADY: "Steady: the same mix of SEV-3 and SEV-1 as the window before.",
    Direction.WORSE: "Worse: fewer SEV-3 or more SEV-1 than the window before (problems grow "
    "big before they are caught). More SEV-3 and fewer SEV-1 is the healthy direction.",
}


@dataclass(frozen=True)
class Load:
    incidents: int
    by_severity: dict[str, int]
    ratio: float | None
    """SEV-3 count / SEV-1 count; None without a SEV-1."""
    weighted: float


@dataclass(frozen=True)
class TeamLoad:
    team: str
    current: Load
    previous: Load
    direction: Direction
    verdict: str


@dataclass(frozen=True)
class LoadReport:
    window: Window
    previous: Window
    weights: dict[str, float]
    teams: list[TeamLoad]
    overall: TeamLoad


def load_of(
    incidents: Sequence[Incident], severities: Sequence[str], weights: Mapping[str, float]
) -> Load:
    counts = Counter(i.severity for i in incidents)
    by_severity = {key: counts.get(key, 0) for key in severities}
    sev1, sev3 = counts.get(CRITICAL, 0), counts.get(MINOR, 0)
    weighted = sum(weights.get(key, 0.0) * n for key, n in counts.items())
    return Load(len(incidents), by_severity, sev3 / sev1 if sev1 else None, round(weighted, 6))


def _ratio(load: Load) -> float:
    if load.ratio is not None:
        return load.ratio
    return math.inf if load.by_severity.get(MINOR, 0) else 0.0


def direction(current: Load, previous: Load) -> Direction:
    """Fewer SEV-1 without fewer SEV-3, or more SEV-3 without more SEV-1: healthier (and the
    reverse worse); when both move the same way the SEV-3 : SEV-1 ratio decides."""
    d1 = current.by_severity.get(CRITICAL, 0) - previous.by_severity.get(CRITICAL, 0)
    d3 = current.by_severity.get(MINOR, 0) - previous.by_severity.get(MINOR, 0)
    if d1 == 0 and d3 == 0:
        return Direction.STEADY
    if d1 <= 0 and d3 >= 0:
        return Direction.HEALTHIER
    if d1 >= 0 and d3 <= 0:
        return Direction.WORSE
    now, before = _ratio(current), _ratio(previous)
    if now > before:
        return Direction.HEALTHIER
    return Direction.WORSE if now < before else Direction.STEADY


def _team_load(
    team: str,
    current: Sequence[Incident],
    previous: Sequence[Incident],
    severities: Sequence[str],
    weights: Mapping[str, float],
) -> TeamLoad:
    now, before = load_of(current, severities, weights), load_of(previous, severities, weights)
    way = direction(now, before)
    return TeamLoad(team, now, before, way, VERDICTS[way])


def report(
    session: Session, config: Config, window: Window, *, include_drills: bool = False
) -> LoadReport:
    weights = dict(config.insights.severity_weights)
    severities = list(config.severity_keys())
    earlier = window.previous()
    current = in_window(session, window, include_drills=include_drills)
    previous = in_window(session, earlier, include_drills=include_drills)
    teams = sorted({i.team for i in current} | {i.team for i in previous})
    rows = [
        _team_load(
            team,
            [i for i in current if i.team == team],
            [i for i in previous if i.team == team],
            severities,
            weights,
        )
        for team in teams
    ]
    overall = _team_load(ALL_TEAMS, current, previous, severities, weights)
    return LoadReport(window, earlier, weights, rows, overall)
