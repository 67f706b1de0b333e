"""Queue monitors end to end on both databases: a queue whose depth keeps rising while the
drain lags opens a SEV3 naming it; once it drains, the alert resolves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.alerts.support import custom_app
from tests.support.api import Harness
from warroom.detect.queue_monitors import INTEGRATION, QueueMonitors
from warroom.detect.series import InstantValue, Labels, Sample, Series

ORDERS: Labels = (("queue", "orders"),)
EMAILS: Labels = (("queue", "emails"),)
MONITOR = {
    "name": "checkout-jobs",
    "depth": "queue_depth",
    "inflow": "queue_in_rate",
    "drain": "queue_out_rate",
    "rising_steps": 5,
    "window": "10m",
    "threshold": 100,
    "step": "1m",
    "service": "checkout-queue",
}


@dataclass
class Queues:
    """orders' depth as a function of time; emails stays at 0; rates from the test."""

    orders: Callable[[float], float]
    inflow: float = 10.0
    drain: float = 4.0

    def query_range(self, query: str, start: float, end: float, step: float) -> list[Series]:
        times = [start + i * step for i in range(int((end - start) // step) + 1)]
        values: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
            "queue_depth": (self.orders, lambda t: 0.0),
            "queue_in_rate": (lambda t: self.inflow, lambda t: 0.0),
            "queue_out_rate": (lambda t: self.drain, lambda t: 0.0),
        }
        orders, emails = values[query]
        return [
            Series(ORDERS, tuple(Sample(t, orders(t)) for t in times)),
            Series(EMAILS, tuple(Sample(t, emails(t)) for t in times)),
        ]

    def query(self, query: str, at: float) -> list[InstantValue]:
        raise AssertionError("queue monitors use range queries")


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    def change(doc: dict[str, Any]) -> None:
        doc["queues"] = [MONITOR]

    with custom_app(engine, tmp_path, change) as harness:
        yield harness


def use(api: Harness, queues: Queues) -> None:
    (stage,) = [s for s in api.app.state.worker.stages if isinstance(s, QueueMonitors)]
    stage.metrics = lambda _config: queues


def queue_alerts(api: Harness) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/alerts")["items"]
    return [a for a in items if a["integration"] == INTEGRATION]


def test_a_rising_queue_opens_a_sev3_and_resolves_when_it_drains(api: Harness) -> None:
    now = api.clock.now.timestamp()
    queues = Queues(lambda t: 500 + 6 * (t - now + 3600) / 60)  # +6 a minute, drain 4 < 10
    use(api, queues)
    api.drain()
    (alert,) = queue_alerts(api)
    assert alert["title"] == "queue orders is not draining"
    assert alert["labels"]["queue"] == "orders"
    assert alert["annotations"]["verdict"] == "rising"
    # The run replays window + rising_steps + 1 steps (10 + 6 minutes): 16 growing steps.
    assert alert["annotations"]["reason"] == "grew 16 steps in a row (drain 4 <= inflow 10)"
    assert alert["team"] == "checkout"
    (incident,) = api.ok("GET", "/api/v1/incidents")["items"]
    assert incident["severity"] == "SEV3"

    # Workers scaled up: the depth falls from now on.
    queues.orders = lambda t: 500 - 20 * (t - now) / 60 if t > now else 500.0
    queues.drain = 30.0
    api.clock.advance(minutes=1)
    api.drain()
    assert queue_alerts(api)[0]["status"] == "resolved"


def test_a_backlog_that_does_not_move_is_stuck(api: Harness) -> None:
    use(api, Queues(lambda t: 800.0, inflow=5.0, drain=5.0))
    api.drain()
    (alert,) = queue_alerts(api)
    assert alert["annotations"]["verdict"] == "stuck"


def test_a_queue_under_its_threshold_raises_nothing(api: Harness) -> None:
    now = api.clock.now.timestamp()
    use(api, Queues(lambda t: 50 + (t - now + 3600) / 600))  # rising, but under 100
    api.drain()
    assert queue_alerts(api) == []
