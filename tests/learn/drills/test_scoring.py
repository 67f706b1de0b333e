"""Scoring a drill run: each measure against its target; a measure that never happened
fails; the run passes only when every measure and the severity do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.learn.drills.scoring import Measure, Observed, measure, score
from warroom.learn.drills.targets import Targets

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TARGETS = Targets(
    detect=timedelta(minutes=2),
    acknowledge=timedelta(minutes=5),
    first_update=timedelta(minutes=10),
)


def observed(
    opened: float | None = 30,
    acked: float | None = 60,
    updated: float | None = 300,
    severity: str | None = "SEV1",
) -> Observed:
    """Seconds after injection (opened) and after opening (acked, updated)."""
    opened_at = None if opened is None else T0 + timedelta(seconds=opened)
    after = opened_at or T0
    return Observed(
        injected_at=T0,
        opened_at=opened_at,
        acknowledged_at=None if acked is None else after + timedelta(seconds=acked),
        first_update_at=None if updated is None else after + timedelta(seconds=updated),
        severity=severity,
    )


def test_every_measure_within_its_target_passes() -> None:
    result = score(observed(), TARGETS, "SEV1")
    assert result.detect == Measure(30.0, 120.0, True)
    assert result.acknowledge == Measure(60.0, 300.0, True)
    assert result.first_update == Measure(300.0, 600.0, True)
    assert (result.severity_passed, result.passed) == (True, True)


def test_a_measure_exactly_at_its_target_passes_and_one_second_over_fails() -> None:
    assert measure(120.0, timedelta(minutes=2)).passed is True
    assert measure(121.0, timedelta(minutes=2)).passed is False


def test_a_late_acknowledgement_fails_only_that_measure_and_the_run() -> None:
    result = score(observed(acked=301), TARGETS, "SEV1")
    assert result.acknowledge == Measure(301.0, 300.0, False)
    assert (result.detect.passed, result.first_update.passed) == (True, True)
    assert result.passed is False


def test_no_incident_fails_every_measure() -> None:
    result = score(observed(opened=None, acked=None, updated=None, severity=None), TARGETS, "SEV1")
    assert result.detect == Measure(None, 120.0, False)
    assert result.acknowledge == Measure(None, 300.0, False)
    assert result.first_update == Measure(None, 600.0, False)
    assert (result.severity_passed, result.passed) == (False, False)


def test_the_wrong_severity_fails_the_run_though_every_time_passed() -> None:
    result = score(observed(severity="SEV2"), TARGETS, "SEV1")
    assert (result.detect.passed, result.acknowledge.passed, result.first_update.passed) == (
        True,
        True,
        True,
    )
    assert (result.severity_passed, result.passed) == (False, False)
