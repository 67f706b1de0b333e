"""The SRE Workbook table, exactly: each rule fires at the minute the table predicts."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from tests.detect.slo.synthetic import QUERY, StepRatio
from tests.support.clock import FakeClock
from warroom.config.slos import Slo
from warroom.detect.slo.indicators import PromqlRatio
from warroom.detect.slo.rules import RULES, BurnRule, Urgency
from warroom.detect.slo.status import evaluate

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ONSET = START + timedelta(seconds=17)
"""Off the minute, so no predicted crossing falls on an evaluation tick."""
TARGET = 0.999


def slo(window: str = "30d") -> Slo:
    return Slo.model_validate(
        {
            "name": "checkout-availability",
            "service": "checkout",
            "target": TARGET,
            "window": window,
            "indicator": {"kind": "promql", "ratio": QUERY},
        }
    )


def test_the_factors_are_the_workbook_table_on_30_days() -> None:
    factors = [(r.urgency, r.windows, round(r.factor(timedelta(days=30)), 9)) for r in RULES]
    assert factors == [
        (Urgency.PAGE, "1h/5m", 14.4),
        (Urgency.PAGE, "6h/30m", 6.0),
        (Urgency.TICKET, "1d/2h", 3.0),
        (Urgency.TICKET, "3d/6h", 1.0),
    ]


def test_the_factors_scale_with_the_period() -> None:
    assert [round(r.factor(timedelta(days=28)), 9) for r in RULES] == [13.44, 5.6, 2.8, 0.933333333]


def first_tick_after(moment: datetime) -> datetime:
    minutes = math.floor((moment - START).total_seconds() / 60) + 1
    tick = START + timedelta(minutes=minutes)
    assert (tick - moment).total_seconds() > 1 and (
        moment - tick + timedelta(minutes=1)
    ).total_seconds() > 1
    return tick


def run_until_fired(objective: Slo, ratio: StepRatio, rule: BurnRule, limit: timedelta) -> datetime:
    clock = FakeClock(START)
    ratios = PromqlRatio(objective.indicator, ratio)  # type: ignore[arg-type]
    while clock.now - START <= limit:
        status = evaluate(objective, ratios, clock.now)
        if any(state.rule == rule and state.firing for state in status.rules):
            return clock.now
        clock.advance(minutes=1)
    raise AssertionError(f"{rule.windows} never fired")


@pytest.mark.parametrize("rule", RULES, ids=[r.windows for r in RULES])
def test_each_rule_fires_at_the_time_the_table_predicts(rule: BurnRule) -> None:
    objective = slo()
    factor = rule.factor(objective.window)
    burn = factor * 1.25
    ratio = StepRatio()
    ratio.set(ONSET.timestamp(), burn * (1 - TARGET))
    # The long window's mean reaches the factor after factor / burn of the window (the short
    # window, 12 times shorter, got there first and stays above).
    crossing = ONSET + rule.long * (factor / burn)
    expected = first_tick_after(crossing)
    assert run_until_fired(objective, ratio, rule, rule.long) == expected


def test_a_28_day_slo_fires_at_its_scaled_factor() -> None:
    objective = slo("28d")
    rule = RULES[0]
    factor = 0.02 * 28 * 24  # 13.44
    burn = 16.0
    ratio = StepRatio()
    ratio.set(ONSET.timestamp(), burn * (1 - TARGET))
    expected = first_tick_after(ONSET + rule.long * (factor / burn))
    assert run_until_fired(objective, ratio, rule, rule.long) == expected


def test_a_short_spike_trips_short_windows_only_and_nothing_fires() -> None:
    objective = slo()
    ratio = StepRatio()
    ratio.set(ONSET.timestamp(), 0.05)  # burn rate 50 for ten minutes
    ratio.set((ONSET + timedelta(minutes=10)).timestamp(), 0.0)
    ratios = PromqlRatio(objective.indicator, ratio)  # type: ignore[arg-type]
    clock = FakeClock(START)
    short_tripped: set[str] = set()
    while clock.now - START <= timedelta(days=3, hours=1):
        status = evaluate(objective, ratios, clock.now)
        assert status.firing == ()
        short_tripped |= {
            s.rule.windows
            for s in status.rules
            if s.short_burn is not None and s.short_burn > s.factor
        }
        clock.advance(minutes=1 if clock.now - START < timedelta(hours=7) else 30)
    assert short_tripped == {"1h/5m", "6h/30m", "1d/2h", "3d/6h"}


def test_the_alert_stops_when_the_short_window_falls_back() -> None:
    objective = slo()
    rule = RULES[0]
    burn = 40.0
    fixed = ONSET + timedelta(minutes=90)
    ratio = StepRatio()
    ratio.set(ONSET.timestamp(), burn * (1 - TARGET))
    ratio.set(fixed.timestamp(), 0.0)
    ratios = PromqlRatio(objective.indicator, ratio)  # type: ignore[arg-type]
    # After the fix the 5m window's burn is burn x (remaining part of 5m) / 5m: it falls to
    # 14.4 once 5m x (1 - 14.4 / 40) has passed; the 1h window is still far above then.
    expected = first_tick_after(fixed + rule.short * (1 - rule.factor(objective.window) / burn))
    clock = FakeClock(START + timedelta(minutes=90))
    while evaluate(objective, ratios, clock.now).rules[0].firing:
        clock.advance(minutes=1)
    stopped = evaluate(objective, ratios, clock.now).rules[0]
    assert clock.now == expected
    assert stopped.long_burn is not None and stopped.long_burn > stopped.factor


def test_no_events_is_no_data_not_a_burn() -> None:
    class Empty:
        def query(self, query: str, at: float) -> list[object]:
            return []

    status = evaluate(slo(), PromqlRatio(slo().indicator, Empty()), START)  # type: ignore[arg-type]
    assert status.firing == ()
    assert status.budget_remaining is None
    assert [s.long_burn for s in status.rules] == [None, None, None, None]
