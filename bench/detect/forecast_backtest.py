"""Backtest of the capacity forecast on the NAB series with a trend.

``python -m bench.detect.forecast_backtest [--data DIR]``

For each series, the limit is a level the series really crosses late in its history: the
highest (for a rising series; lowest for a falling one) 24-hour mean of its first 80%. The
actual crossing is the first later hour at which the 24-hour mean passes it. At several
lead points before that crossing, the forecast sees only the history up to the lead point
(at most 28 days) and predicts when its trend (the level without the daily cycle, what the
24-hour mean measures) crosses the limit, with its interval. Printed per series and lead: the
predicted and actual time to the crossing, the error, and whether the actual crossing lies
inside the interval; then the mean absolute error per lead and the interval's coverage.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warroom.detect.forecast.model import DAY, HOUR, Direction, crossing, fit, hourly

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "nab"
TRENDING = (
    # (file, direction): the series of the corpus whose last quarter's mean is 0.25
    # standard deviations or more from the first quarter's: the ones with a trend.
    ("realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv", Direction.ABOVE),
    ("realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv", Direction.ABOVE),
    ("realAWSCloudwatch/grok_asg_anomaly.csv", Direction.BELOW),
    ("realAdExchange/exchange-2_cpc_results.csv", Direction.ABOVE),
    ("realAdExchange/exchange-3_cpm_results.csv", Direction.ABOVE),
    ("realAdExchange/exchange-4_cpc_results.csv", Direction.ABOVE),
    ("realKnownCause/cpu_utilization_asg_misconfiguration.csv", Direction.ABOVE),
    ("realKnownCause/ambient_temperature_system_failure.csv", Direction.BELOW),
    ("realTraffic/TravelTime_387.csv", Direction.BELOW),
    ("realTraffic/TravelTime_451.csv", Direction.BELOW),
)
LEADS_DAYS = (1, 2, 4, 7, 14)
HISTORY_DAYS = 28
"""The forecast sees at most this much history, as a monitor's query_range would fetch."""
MIN_HISTORY_DAYS = 3
HORIZON = 120 * DAY
SMOOTH_HOURS = 24


@dataclass(frozen=True)
class Row:
    series: str
    lead_days: int
    actual_hours: float
    predicted_hours: float | None
    low_hours: float | None
    high_hours: float | None

    @property
    def error_hours(self) -> float | None:
        if self.predicted_hours is None:
            return None
        return self.predicted_hours - self.actual_hours

    @property
    def covered(self) -> bool:
        low = self.low_hours if self.low_hours is not None else float("inf")
        high = self.high_hours if self.high_hours is not None else float("inf")
        return low <= self.actual_hours <= high


def load(path: Path) -> list[tuple[float, float]]:
    with path.open() as handle:
        reader = csv.reader(handle)
        next(reader)
        return [
            (datetime.fromisoformat(t).replace(tzinfo=UTC).timestamp(), float(v)) for t, v in reader
        ]


def smoothed(samples: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Rolling mean of SMOOTH_HOURS hourly means, stamped at the end of the last hour."""
    hours = hourly(samples)
    out = []
    for i in range(SMOOTH_HOURS - 1, len(hours)):
        window = [v for _, v in hours[i - SMOOTH_HOURS + 1 : i + 1]]
        out.append((hours[i][0] + HOUR, sum(window) / len(window)))
    return out


def backtest(
    name: str,
    samples: list[tuple[float, float]],
    direction: Direction,
    history_days: float = HISTORY_DAYS,
) -> list[Row]:
    smooth = smoothed(samples)
    cut = int(len(smooth) * 0.8)
    up = direction is Direction.ABOVE
    head = [v for _, v in smooth[:cut]]
    limit = max(head) if up else min(head)
    actual = next(
        (t for t, v in smooth[cut:] if (v > limit if up else v < limit)),
        None,
    )
    if actual is None:
        return []
    rows = []
    for lead in LEADS_DAYS:
        at = actual - lead * DAY
        history = [(t, v) for t, v in samples if at - history_days * DAY <= t < at]
        if not history or history[-1][0] - history[0][0] < MIN_HISTORY_DAYS * DAY:
            continue
        model = fit(history)
        if model is None:
            continue
        found = crossing(model, limit, HORIZON, direction, cycle=False)
        hours = (actual - model.at) / HOUR

        def to_hours(value: float | None) -> float | None:
            return None if value is None else value / HOUR

        rows.append(
            Row(
                name,
                lead,
                hours,
                to_hours(found.expected),
                to_hours(found.earliest),
                to_hours(found.latest),
            )
        )
    return rows


def _h(value: float | None) -> str:
    return "never" if value is None else f"{value:7.1f}"


def summary(rows: list[Row], history: float) -> None:
    print(f"\nforecast on {history:g} days of history")
    print(
        f"{'lead':>4s} {'n':>3s} {'MAE h':>8s} {'median |err| h':>15s} {'never':>6s} "
        f"{'coverage':>9s}"
    )
    for lead in LEADS_DAYS:
        at_lead = [r for r in rows if r.lead_days == lead]
        errors = [abs(e) for r in at_lead if (e := r.error_hours) is not None]
        never = sum(1 for r in at_lead if r.predicted_hours is None)
        covered = sum(1 for r in at_lead if r.covered)
        mae = f"{statistics.mean(errors):8.1f}" if errors else "       -"
        med = f"{statistics.median(errors):15.1f}" if errors else "              -"
        share = f"{covered}/{len(at_lead)}" if at_lead else "-"
        print(f"{lead:3d}d {len(at_lead):3d} {mae} {med} {never:6d} {share:>9s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="NAB data/ folder")
    parser.add_argument(
        "--history",
        type=float,
        action="append",
        help=f"days of history the forecast sees (repeatable); default {HISTORY_DAYS}, 14, 7",
    )
    args = parser.parse_args()
    histories: list[float] = args.history or [HISTORY_DAYS, 14, 7]
    series = [(name, direction, load(args.data / name)) for name, direction in TRENDING]
    print(
        f"{'series':52s} {'lead':>4s} {'actual h':>8s} {'pred h':>8s} {'error h':>8s} "
        f"{'interval h':>17s} in   ({histories[0]:g} days of history)"
    )
    rows: list[Row] = []
    for name, direction, samples in series:
        found = backtest(name, samples, direction, histories[0])
        if not found:
            print(f"{name:52s} no crossing after its first 80%: skipped")
        for row in found:
            error = row.error_hours
            print(
                f"{name:52s} {row.lead_days:3d}d {row.actual_hours:8.1f} "
                f"{_h(row.predicted_hours):>8s} {'-' if error is None else f'{error:+8.1f}':>8s} "
                f"{_h(row.low_hours):>8s}-{_h(row.high_hours):>8s} "
                f"{'yes' if row.covered else 'no'}"
            )
        rows += found
    summary(rows, histories[0])
    for history in histories[1:]:
        others = [r for n, d, s in series for r in backtest(n, s, d, history)]
        summary(others, history)


if __name__ == "__main__":
    main()
