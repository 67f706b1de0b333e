"""The real Prometheus remote-writes into warroom's embedded store: the same PromQL then
answers the same on both sources."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.harness import live_server
from tests.detect.metrics.conftest import METRICS_KEY, write_config
from tests.detect.sources.real_prometheus import Exporter, Prometheus, running_prometheus
from tests.e2e.processes import wait_until
from warroom.db.engine import make_session_factory
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.series import Series
from warroom.detect.sources.prometheus import PrometheusSource


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    running = Exporter()
    stop = threading.Event()

    def traffic() -> None:  # a counter that moves, and a gauge that wobbles
        n = 0
        while not stop.wait(0.25):
            n += 1
            running.requests.labels(service="checkout").inc(1 + n % 3)
            running.set(0.1 + (n % 7) / 100)

    thread = threading.Thread(target=traffic, daemon=True)
    thread.start()
    yield running
    stop.set()
    thread.join()
    running.close()


@pytest.fixture
def pair(
    engine: Engine, tmp_path: Path, exporter: Exporter
) -> Iterator[tuple[PrometheusSource, EmbeddedSource, Prometheus]]:
    config = write_config(tmp_path / "warroom.yaml")
    with live_server(engine, config_path=config) as server:
        remote = [
            {
                "url": f"{server.url}/api/v1/write",
                "authorization": {"credentials": METRICS_KEY},
                "queue_config": {"batch_send_deadline": "1s"},
            }
        ]
        with (
            running_prometheus(tmp_path / "prom", exporter, remote_write=remote) as prometheus,
            PrometheusSource(prometheus.url) as source,
        ):
            yield source, EmbeddedSource(make_session_factory(engine)), prometheus


def _rounded(series: list[Series]) -> list[tuple[object, ...]]:
    return [
        (s.labels, tuple((round(p.at, 3), round(p.value, 9)) for p in s.samples)) for s in series
    ]


QUERIES = [
    'request_latency_seconds{service="checkout"}',
    'requests_total{service=~"check.*", job!="other"}',
    "rate(requests_total[5s])",
    "increase(requests_total[5s])",
    "avg_over_time(request_latency_seconds[4s])",
    "max_over_time(request_latency_seconds[4s])",
    "quantile_over_time(0.9, request_latency_seconds[4s])",
    "sum by (service) (rate(requests_total[5s]))",
    "avg by (job) (request_latency_seconds) * 1000",
    "max(request_latency_seconds) > bool 0.12",
    "request_latency_seconds / on(service) requests_total",
    "2 * -request_latency_seconds + 1",
]


def test_remote_written_samples_answer_like_prometheus(
    pair: tuple[PrometheusSource, EmbeddedSource, Prometheus],
) -> None:
    prometheus, embedded, _ = pair
    time.sleep(9)  # some history for the range functions
    end = time.time() - 3  # what Prometheus has already sent
    start = end - 4

    def arrived() -> bool:
        mine = embedded.query_range("requests_total", start, end, 1)
        theirs = prometheus.query_range("requests_total", start, end, 1)
        return bool(mine) and _rounded(mine) == _rounded(theirs)

    wait_until(arrived, "remote-written samples in the embedded store", 20)
    for query in QUERIES:
        theirs = prometheus.query_range(query, start, end, 1)
        assert theirs, query
        assert _rounded(embedded.query_range(query, start, end, 1)) == _rounded(theirs), query
        now_theirs = prometheus.query(query, end)
        now_mine = embedded.query(query, end)
        assert [(v.labels, round(v.value, 9)) for v in now_mine] == [
            (v.labels, round(v.value, 9)) for v in now_theirs
        ], query
