"""A robust trend with a seasonal profile, and when it crosses a limit.

The samples are averaged per hour. The seasonal profile is the median, per hour of the
week (two weeks of history or more) or per hour of the day (two days or more), of what is
left after a first trend through the daily means; it is centred on zero. The trend is the
Theil-Sen line (median of pairwise slopes, robust to spikes and outages) through the
seasonally adjusted hourly means, starting from the level of the last day. Its prediction
interval comes from Sen's confidence interval of the slope over the daily means (days, not
hours, are the independent observations), widened by the 10th-90th percentile band of the
hourly residuals: the fast bound crosses with the fast slope and the high residual, the
slow one with the slow slope and the low residual. Pure Python: a few thousand hourly
points cost milliseconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY
Z_90 = 1.6449
"""Two-sided 90% normal quantile, for Sen's slope interval."""
RECENT_POINTS = 24
"""The last day of hourly means sets the level the trend starts from."""
MAX_PAIRS_POINTS = 1500
"""Above this many hourly points, the trend's pairwise slopes use every k-th point."""


class Direction(StrEnum):
    ABOVE = "above"
    """The limit is a ceiling (disk used, pool in use, queue depth)."""
    BELOW = "below"
    """The limit is a floor (free space, remaining headroom)."""


@dataclass(frozen=True, slots=True)
class Fit:
    """The model at the last sample: trend ``level + slope x (t - at)`` plus ``profile``."""

    at: float
    level: float
    slope: float
    slope_low: float
    slope_high: float
    period: float
    """Length of the seasonal cycle in seconds (0: none)."""
    profile: tuple[float, ...]
    residual_low: float
    residual_high: float
    points: int

    def seasonal(self, t: float) -> float:
        if not self.profile:
            return 0.0
        slot = int((t % self.period) // HOUR) % len(self.profile)
        return self.profile[slot]

    def value(
        self, t: float, slope: float | None = None, residual: float = 0.0, cycle: bool = True
    ) -> float:
        used = self.slope if slope is None else slope
        seasonal = self.seasonal(t) if cycle else 0.0
        return self.level + used * (t - self.at) + seasonal + residual


@dataclass(frozen=True, slots=True)
class Crossing:
    """Seconds from the last sample until the limit is crossed; None: not within the horizon."""

    expected: float | None
    earliest: float | None
    latest: float | None


def hourly(samples: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Mean per hour (bucket start, mean), in time order; NaN and infinite values dropped."""
    buckets: dict[float, list[float]] = defaultdict(list)
    for t, v in samples:
        if math.isfinite(v):
            buckets[math.floor(t / HOUR) * HOUR].append(v)
    return [(t, sum(vs) / len(vs)) for t, vs in sorted(buckets.items())]


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, list[float]]:
    """The median slope and all pairwise slopes (sorted); thinned above MAX_PAIRS_POINTS."""
    step = max(1, math.ceil(len(points) / MAX_PAIRS_POINTS))
    used = points[::step]
    slopes = sorted(
        (yj - yi) / (tj - ti)
        for i, (ti, yi) in enumerate(used)
        for tj, yj in used[i + 1 :]
        if tj != ti
    )
    return (median(slopes) if slopes else 0.0), slopes


def sen_interval(slopes: Sequence[float], n: int) -> tuple[float, float]:
    """Sen's 90% confidence interval of the median slope, ``n`` points, sorted ``slopes``."""
    if not slopes:
        return 0.0, 0.0
    count = len(slopes)
    spread = Z_90 * math.sqrt(n * (n - 1) * (2 * n + 5) / 18)
    low = max(0, math.floor((count - spread) / 2))
    high = min(count - 1, math.ceil((count + spread) / 2))
    return slopes[low], slopes[high]


def _line(points: Sequence[tuple[float, float]], slope: float) -> float:
    """Theil-Sen intercept: the median of y - slope x t."""
    return median(y - slope * t for t, y in points)


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = q * (len(ordered) - 1)
    low, high = math.floor(index), math.ceil(index)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def _daily(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    days: dict[float, list[float]] = defaultdict(list)
    for t, v in points:
        days[math.floor(t / DAY) * DAY + DAY / 2].append(v)
    return [(t, sum(vs) / len(vs)) for t, vs in sorted(days.items())]


def _profile(points: Sequence[tuple[float, float]], period: float) -> tuple[float, ...]:
    """Median residual per hour of the cycle around a first trend through the daily means,
    centred on zero; empty without enough history."""
    if period == 0:
        return ()
    daily = _daily(points)
    slope, _ = theil_sen(daily)
    intercept = _line(daily, slope)
    slots: dict[int, list[float]] = defaultdict(list)
    for t, v in points:
        slots[int((t % period) // HOUR)].append(v - (intercept + slope * t))
    size = int(period // HOUR)
    raw = [median(slots[s]) if slots.get(s) else 0.0 for s in range(size)]
    centre = sum(raw) / size
    return tuple(r - centre for r in raw)


def season_of(span: float) -> float:
    """The cycle history of ``span`` seconds can estimate: a week from two, else a day."""
    if span >= 2 * WEEK:
        return WEEK
    if span >= 2 * DAY:
        return DAY
    return 0.0


def fit(samples: Sequence[tuple[float, float]]) -> Fit | None:
    """The model of ``samples`` (Unix seconds, value); None with fewer than 24 hourly means."""
    points = hourly(samples)
    if len(points) < 24:
        return None
    period = season_of(points[-1][0] - points[0][0])
    profile = _profile(points, period)
    size = len(profile)
    adjusted = [
        (t, v - (profile[int((t % period) // HOUR) % size] if size else 0.0)) for t, v in points
    ]
    slope, _ = theil_sen(adjusted)
    daily = _daily(adjusted)
    _, daily_slopes = theil_sen(daily)
    low, high = sen_interval(daily_slopes, len(daily))
    low, high = min(low, slope), max(high, slope)
    at = points[-1][0] + HOUR / 2
    # The spread around the line comes from all the history; the level from the last day
    # only, so a recent step (a disk that jumped, a new tenant) moves the forecast at once.
    centre = _line([(t - at, v) for t, v in adjusted], slope)
    residuals = [v - (centre + slope * (t - at)) for t, v in adjusted]
    level = _line([(t - at, v) for t, v in adjusted[-RECENT_POINTS:]], slope)
    return Fit(
        at=at,
        level=level,
        slope=slope,
        slope_low=low,
        slope_high=high,
        period=period,
        profile=profile,
        residual_low=_quantile(residuals, 0.10),
        residual_high=_quantile(residuals, 0.90),
        points=len(points),
    )


def _first_crossing(
    model: Fit,
    limit: float,
    direction: Direction,
    horizon: float,
    slope: float,
    residual: float,
    cycle: bool,
) -> float | None:
    sign = 1.0 if direction is Direction.ABOVE else -1.0
    step = 0.0
    while step <= horizon:
        if sign * (model.value(model.at + step, slope, residual, cycle) - limit) >= 0:
            return step
        step += HOUR
    return None


def crossing(
    model: Fit,
    limit: float,
    horizon: float,
    direction: Direction = Direction.ABOVE,
    cycle: bool = True,
) -> Crossing:
    """When, within ``horizon`` seconds after the last sample, the series crosses ``limit``:
    expected (trend and cycle), earliest (fast slope, high residual), latest (slow slope,
    low residual). Hour resolution. Without ``cycle``, when the trend alone (the daily or
    weekly mean level) crosses it, and the interval from the slopes only."""
    up = direction is Direction.ABOVE
    fast, slow = (model.slope_high, model.slope_low) if up else (model.slope_low, model.slope_high)
    near, far = (
        (model.residual_high, model.residual_low)
        if up
        else (model.residual_low, model.residual_high)
    )
    if not cycle:
        near = far = 0.0
    return Crossing(
        expected=_first_crossing(model, limit, direction, horizon, model.slope, 0.0, cycle),
        earliest=_first_crossing(model, limit, direction, horizon, fast, near, cycle),
        latest=_first_crossing(model, limit, direction, horizon, slow, far, cycle),
    )
