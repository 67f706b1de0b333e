"""A capacity forecast end to end on both databases: a disk filling at a steady rate opens a
SEV3 whose title says when it is full, one alert per series, resolved when the trend turns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.alerts.support import custom_app
from tests.support.api import Harness
from warroom.detect.forecast.alerts import INTEGRATION, in_words
from warroom.detect.forecast.evaluator import ForecastEvaluator
from warroom.detect.forecast.model import DAY, HOUR, Crossing
from warroom.detect.series import InstantValue, Labels, Sample, Series

QUERY = "disk_used_ratio"
DB1: Labels = (("instance", "db-1"), ("mountpoint", "/data"))
DB2: Labels = (("instance", "db-2"), ("mountpoint", "/data"))
FORECAST = {
    "name": "disk-full",
    "query": QUERY,
    "limit": 0.9,
    "horizon": "14d",
    "history": "14d",
    "step": "1h",
    "title": "disk {mountpoint} on {instance} full",
    "service": "postgres-primary",
}


@dataclass
class Disks:
    """Two disks' used ratio as functions of time; db-2 stays flat."""

    db1: Callable[[float], float]
    db2: Callable[[float], float] = field(default=lambda t: 0.3)

    def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        assert query == QUERY
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        return [
            Series(labels, tuple(Sample(t, value(t)) for t in times))
            for labels, value in ((DB1, self.db1), (DB2, self.db2))
        ]

    def query(self, query: str, at: float) -> list[InstantValue]:
        raise AssertionError("forecasts use range queries")


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    def change(doc: dict[str, Any]) -> None:
        doc["forecasts"] = [FORECAST]

    with custom_app(engine, tmp_path, change) as harness:
        yield harness


def use(api: Harness, disks: Disks) -> None:
    (stage,) = [s for s in api.app.state.worker.stages if isinstance(s, ForecastEvaluator)]
    stage.metrics = lambda _config: disks


def forecast_alerts(api: Harness) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/alerts")["items"]
    return [a for a in items if a["integration"] == INTEGRATION]


def test_a_filling_disk_opens_a_sev3_saying_when_it_is_full(api: Harness) -> None:
    now = api.clock.now.timestamp()
    # 0.8 now, +1% a day: 0.9 in 10 days.
    disks = Disks(lambda t: 0.8 + 0.01 * (t - now) / DAY)
    use(api, disks)
    api.drain()
    (alert,) = forecast_alerts(api)
    assert alert["title"].startswith("disk /data on db-1 full in ~10 days (")
    assert alert["labels"]["instance"] == "db-1"
    assert alert["labels"]["forecast"] == "disk-full"
    assert alert["team"] == "platform"
    (incident,) = api.ok("GET", "/api/v1/incidents")["items"]
    assert incident["severity"] == "SEV3"

    # An hour later nothing new is written: the alert is open.
    api.clock.advance(hours=1)
    api.drain()
    assert len(forecast_alerts(api)) == 1

    # The disk was cleaned up: flat at 0.5 from now on; the next run resolves.
    disks.db1 = lambda t: 0.5
    api.clock.advance(hours=1)
    api.drain()
    assert forecast_alerts(api)[0]["status"] == "resolved"


def test_the_title_gives_days_or_hours_with_the_interval() -> None:
    assert in_words(Crossing(9 * DAY, 6 * DAY, 13 * DAY)) == "~9 days (6\u201313)"
    assert in_words(Crossing(30 * HOUR, 20 * HOUR, None)) == "~30 hours (at least 20)"


def test_a_crossing_beyond_the_horizon_raises_nothing(api: Harness) -> None:
    now = api.clock.now.timestamp()
    use(api, Disks(lambda t: 0.5 + 0.01 * (t - now) / DAY))  # 0.9 in 40 days
    api.drain()
    assert forecast_alerts(api) == []
