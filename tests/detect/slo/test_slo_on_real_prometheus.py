"""A PromQL SLO through the real Prometheus: an exporter counts requests and errors, the
real binary scrapes it every second, and the worker's SLO stage (reading it with
PrometheusSource) raises the burn-rate alerts through intake, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Counter
from sqlalchemy import Engine

from tests.alerts.support import config_doc
from tests.detect.sources.real_prometheus import Exporter, Prometheus, running_prometheus
from tests.e2e.processes import wait_until
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from warroom.detect.slo.alerts import INTEGRATION
from warroom.detect.slo.evaluator import SloEvaluator
from warroom.detect.sources.prometheus import PrometheusSource

pytestmark = pytest.mark.slow

ERRORS = 'sum(rate(http_requests_total{code="500"}[$window]))'
TOTAL = "sum(rate(http_requests_total[$window]))"


class Traffic(Exporter):
    """The exporter's gauge plus ``http_requests_total{code}``: one request in ``every``
    ``fail_one_in`` fails, counted from a thread."""

    def __init__(self, fail_one_in: int) -> None:
        super().__init__()
        self.requests = Counter("http_requests", "Requests", ["code"], registry=self.registry)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(fail_one_in,), daemon=True)
        self._thread.start()

    def _serve(self, fail_one_in: int) -> None:
        count = 0
        while not self._stop.wait(0.05):
            count += 1
            self.requests.labels(code="500" if count % fail_one_in == 0 else "200").inc()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        super().close()


@pytest.fixture
def traffic() -> Iterator[Traffic]:
    running = Traffic(fail_one_in=2)  # half the requests fail: burn rate 500 on 99.9%
    yield running
    running.close()


@pytest.fixture
def prometheus(tmp_path: Path, traffic: Traffic) -> Iterator[Prometheus]:
    with running_prometheus(tmp_path / "prom", traffic) as running:
        yield running


@pytest.fixture
def api(engine: Engine, tmp_path: Path, prometheus: Prometheus) -> Iterator[Harness]:
    doc = config_doc()
    doc["slos"] = [
        {
            "name": "checkout-availability",
            "service": "checkout-api",
            "target": 0.999,
            "indicator": {"kind": "promql", "errors": ERRORS, "total": TOTAL},
        }
    ]
    path = tmp_path / "warroom.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with (
        PrometheusSource(prometheus.url, timeout=5) as source,
        running_app(engine, path, FakeClock(datetime.now(UTC))) as harness,
    ):
        (stage,) = [s for s in harness.app.state.worker.stages if isinstance(s, SloEvaluator)]
        stage.metrics = lambda _config: source
        harness.app.state.metric_store = stage.metrics
        yield harness


def slo_alerts(api: Harness) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/alerts")["items"]
    return [a for a in items if a["integration"] == INTEGRATION]


def test_half_the_requests_failing_fires_every_rule(api: Harness, prometheus: Prometheus) -> None:
    wait_until(
        lambda: (
            prometheus.api("/api/v1/query", query='rate(http_requests_total{code="500"}[5m])')[
                "result"
            ]
            or None
        ),
        "two scrapes of the request counters",
        30,
        prometheus.process.tail,
    )
    api.clock.now = datetime.now(UTC)
    api.drain()
    alerts = slo_alerts(api)
    assert sorted(a["labels"]["windows"] for a in alerts) == ["1d/2h", "1h/5m", "3d/6h", "6h/30m"]
    burn = float(alerts[0]["annotations"]["long_window_burn_rate"])
    assert burn == pytest.approx(500, rel=0.1)
    shown = api.ok("GET", "/api/v1/slos/checkout-availability", params={"points": 2, "days": 1})
    assert shown["unavailable"] is None
    assert shown["firing"] == ["1h/5m", "6h/30m", "1d/2h", "3d/6h"]


def test_without_a_metric_store_the_slo_is_shown_unavailable(api: Harness) -> None:
    api.app.state.metric_store = lambda _config: None
    (shown,) = api.ok("GET", "/api/v1/slos")
    assert shown["unavailable"] == (
        "SLO checkout-availability uses PromQL and no metric store is configured"
    )
    assert shown["rules"] == []
