"""Synthetic series whose crossing time is known: the forecast finds it, inside its interval."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from warroom.detect.forecast.model import (
    DAY,
    HOUR,
    WEEK,
    Direction,
    crossing,
    fit,
    hourly,
    season_of,
)

START = 1_772_409_600.0  # 2026-03-02 00:00 UTC, a Monday
STEP = 300.0


def series(
    days: float, value: Callable[[float], float], step: float = STEP
) -> list[tuple[float, float]]:
    count = int(days * DAY / step)
    return [(START + i * step, value(START + i * step)) for i in range(count)]


def test_a_straight_line_crosses_exactly_when_it_reaches_the_limit() -> None:
    # 40 + 1 per day, 14 days: at the end 54; the limit 64 is 10 days ahead.
    samples = series(14, lambda t: 40 + (t - START) / DAY)
    model = fit(samples)
    assert model is not None
    assert model.slope * DAY == pytest.approx(1.0)
    found = crossing(model, 64.0, 30 * DAY)
    assert found.expected is not None
    end = samples[-1][0]
    # The hourly mean of the last hour sits at its middle: the limit is reached at
    # START + 24 days; hour resolution.
    assert abs((model.at + found.expected) - (START + 24 * DAY)) <= HOUR
    assert found.earliest is not None and found.latest is not None
    assert found.earliest <= found.expected <= found.latest
    assert end < model.at + found.expected


def test_a_daily_cycle_crosses_at_its_first_peak_over_the_limit() -> None:
    # Trend 0.5/day plus a daily sine of amplitude 5 peaking at 06:00; 21 days.
    def value(t: float) -> float:
        return 50 + 0.5 * (t - START) / DAY + 5 * math.sin(2 * math.pi * (t - START) / DAY)

    model = fit(series(21, value))
    assert model is not None
    assert model.period == WEEK
    assert model.slope * DAY == pytest.approx(0.5, rel=0.02)
    found = crossing(model, 67.0, 30 * DAY)
    assert found.expected is not None
    # The hourly truth: the first hour whose mean reaches 67.
    truth = next(t for t, v in hourly(series(60, value)) if t >= START + 21 * DAY and v >= 67.0)
    assert abs(model.at + found.expected - (truth + HOUR / 2)) <= 2 * HOUR


def test_noise_and_spikes_keep_the_trend_and_the_truth_inside_the_interval() -> None:
    rng = random.Random(7)

    def value(t: float) -> float:
        spike = 40.0 if rng.random() < 0.01 else 0.0
        return 30 + 2 * (t - START) / DAY + rng.gauss(0, 3) + spike

    model = fit(series(28, value))
    assert model is not None
    assert model.slope * DAY == pytest.approx(2.0, rel=0.05)
    found = crossing(model, 100.0, 60 * DAY)
    truth = START + 35 * DAY  # 30 + 2 x 35 = 100
    assert found.earliest is not None and found.latest is not None
    assert model.at + found.earliest <= truth <= model.at + found.latest
    assert found.expected is not None
    assert abs(model.at + found.expected - truth) <= 1 * DAY


def test_a_flat_series_never_crosses() -> None:
    model = fit(series(14, lambda t: 42.0))
    assert model is not None
    assert crossing(model, 80.0, 90 * DAY).expected is None


def test_a_falling_series_crosses_a_floor() -> None:
    model = fit(series(10, lambda t: 500 - 20 * (t - START) / DAY))
    assert model is not None
    found = crossing(model, 100.0, 60 * DAY, Direction.BELOW)
    assert found.expected is not None
    assert abs(model.at + found.expected - (START + 20 * DAY)) <= HOUR
    # Read as a ceiling, 100 is already exceeded: crossing now.
    assert crossing(model, 100.0, 60 * DAY, Direction.ABOVE).expected == 0.0


def test_too_little_history_is_no_forecast() -> None:
    assert fit(series(0.5, lambda t: 1.0)) is None


def test_the_cycle_follows_the_history() -> None:
    assert season_of(15 * DAY) == WEEK
    assert season_of(3 * DAY) == DAY
    assert season_of(1.5 * DAY) == 0.0
