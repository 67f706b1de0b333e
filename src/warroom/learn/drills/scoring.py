"""Scoring a drill run: each measure against its target, pass or fail.

A measure that never happened (no incident, never acknowledged, no update before the run
ended) fails. The run passes when every measure does and the incident opened at the
expected severity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.learn.drills.targets import Targets


@dataclass(frozen=True)
class Observed:
    """What happened, from the run's and the incident's own timestamps."""

    injected_at: datetime
    opened_at: datetime | None
    acknowledged_at: datetime | None
    first_update_at: datetime | None
    severity: str | None


@dataclass(frozen=True)
class Measure:
    seconds: float | None
    target_seconds: float
    passed: bool


@dataclass(frozen=True)
class Score:
    detect: Measure
    acknowledge: Measure
    first_update: Measure
    severity_passed: bool
    passed: bool


def _between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def measure(seconds: float | None, target: timedelta) -> Measure:
    limit = target.total_seconds()
    return Measure(seconds, limit, seconds is not None and seconds <= limit)


def score(observed: Observed, targets: Targets, expect_severity: str) -> Score:
    detect = measure(_between(observed.injected_at, observed.opened_at), targets.detect)
    acknowledge = measure(
        _between(observed.opened_at, observed.acknowledged_at), targets.acknowledge
    )
    first_update = measure(
        _between(observed.opened_at, observed.first_update_at), targets.first_update
    )
    severity_passed = observed.severity == expect_severity
    passed = severity_passed and detect.passed and acknowledge.passed and first_update.passed
    return Score(detect, acknowledge, first_update, severity_passed, passed)
