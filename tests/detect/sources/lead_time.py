"""The early-warning scenario shared by the slow end-to-end test and
``python -m bench.detect.lead_time``.

An exporter's latency wobbles around 100 ms, then drifts upward by 10 ms a second. The real
Prometheus scrapes it every second, evaluates a static threshold rule
(``request_latency_seconds > 0.3``) and remote-writes into warroom. warroom's monitor (source
prometheus, step 1s) watches the same series. Measured: when the monitor's SEV3 incident
opened and when Prometheus's threshold alert fired, both from the drift's start.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from sqlalchemy import Engine

from tests.cli.harness import LiveServer, live_server
from tests.conftest import TEST_CONFIG
from tests.detect.sources.real_prometheus import Exporter, running_prometheus
from tests.e2e.processes import wait_until
from tests.support.clock import FakeClock
from warroom.config import load_config
from warroom.db.engine import make_session_factory
from warroom.detect.metrics.embedded import EmbeddedSource
from warroom.detect.monitors.backtest import replay
from warroom.detect.monitors.stage import MonitorRunner
from warroom.detect.sources.prometheus import PrometheusSource

METRICS_KEY = "metrics-test-key-0123456789"
THRESHOLD = 0.3
WARM_SECONDS = 30
DRIFT_PER_SECOND = 0.01


class WallClock(FakeClock):
    """The real time: the monitor queries Prometheus, whose samples carry real times."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class LeadTime:
    monitor_seconds: float
    """From the drift's start to warroom's SEV3 incident."""
    threshold_seconds: float
    """From the drift's start to Prometheus's threshold alert firing."""
    incident: dict[str, Any]
    alert: dict[str, Any]
    chart: httpx.Response
    firings_prometheus: list[float]
    firings_embedded: list[float]

    @property
    def lead_seconds(self) -> float:
        return self.threshold_seconds - self.monitor_seconds


def _config(path: Path, prometheus_url: str) -> Path:
    doc = yaml.safe_load(TEST_CONFIG.read_text())
    doc["integrations"].append({"slug": "metrics", "kind": "metrics", "key": METRICS_KEY})
    doc["metrics"] = {"prometheus": {"url": prometheus_url, "timeout": "5s"}}
    doc["monitors"] = [
        {
            "kind": "anomaly",
            "name": "checkout-latency",
            "team": "payments",
            "source": "prometheus",
            "query": 'request_latency_seconds{service="checkout"}',
            "step": "1s",
            "history": f"{WARM_SECONDS}s",
            "working_hours_only": False,
        }
    ]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _sev3(server: LiveServer) -> dict[str, Any] | None:
    server.app.state.worker.drain()
    body = httpx.get(
        f"{server.url}/api/v1/incidents",
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=5,
    ).json()
    return next((i for i in body["items"] if i["severity"] == "SEV3"), None)


def run(workdir: Path, engine: Engine) -> LeadTime:
    exporter = Exporter()
    stop = threading.Event()
    drift_started = threading.Event()
    started_at: list[float] = []

    def wobble_then_drift() -> None:
        begin = time.time()
        n = 0
        while not stop.wait(0.2):
            n += 1
            elapsed = time.time() - begin
            base = 0.1 + 0.003 * math.sin(n)
            if elapsed >= WARM_SECONDS:
                if not drift_started.is_set():
                    started_at.append(time.time())
                    drift_started.set()
                base += DRIFT_PER_SECOND * (elapsed - WARM_SECONDS)
            exporter.set(base)

    thread = threading.Thread(target=wobble_then_drift, daemon=True)
    rules = [{"alert": "LatencyHigh", "expr": f"request_latency_seconds > {THRESHOLD}",
              "for": "0s"}]  # fmt: skip
    try:
        # warroom first (Prometheus remote-writes to it), then Prometheus, then the config
        # naming Prometheus's URL; the live server reads its config file on each reload.
        config_path = workdir / "warroom.yaml"
        _config(config_path, "http://127.0.0.1:1")
        with live_server(engine, WallClock(), config_path=config_path) as server:
            remote = [
                {
                    "url": f"{server.url}/api/v1/write",
                    "authorization": {"credentials": METRICS_KEY},
                    "queue_config": {"batch_send_deadline": "1s"},
                }
            ]
            with running_prometheus(
                workdir / "prom", exporter, rules=rules, remote_write=remote
            ) as prometheus:
                _config(config_path, prometheus.url)
                server.app.state.live_config.reload()
                thread.start()
                drift_started.wait(WARM_SECONDS + 10)
                drift_at = started_at[0]
                incident = wait_until(lambda: _sev3(server), "the monitor's SEV3", 60,
                                      prometheus.process.tail, interval=0.25)  # fmt: skip
                monitor_at = time.time()
                wait_until(lambda: prometheus.firing("LatencyHigh"), "the threshold alert", 60,
                           prometheus.process.tail, interval=0.25)  # fmt: skip
                threshold_at = time.time()
                headers = {"Authorization": f"Bearer {server.admin_token}"}
                alerts = httpx.get(f"{server.url}/api/v1/alerts", headers=headers).json()
                alert = next(a for a in alerts["items"] if a["integration"] == "warroom-monitors")
                link = urlsplit(alert["annotations"]["chart_url"])  # public_url is the default
                chart = httpx.get(f"{server.url}{link.path}?{link.query}", headers=headers)
                replays = _replays(config_path, engine, prometheus.url, drift_at)
                for stage in server.app.state.worker.stages:
                    if isinstance(stage, MonitorRunner):
                        stage.close()
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()
        exporter.close()
    return LeadTime(
        monitor_seconds=monitor_at - drift_at,
        threshold_seconds=threshold_at - drift_at,
        incident=incident,
        alert=alert,
        chart=chart,
        firings_prometheus=replays[0],
        firings_embedded=replays[1],
    )


def _replays(
    config_path: Path, engine: Engine, prometheus_url: str, drift_at: float
) -> tuple[list[float], list[float]]:
    """When the monitor would have fired around the drift's start, replayed on Prometheus
    and on the embedded store (once the remote-written samples are there)."""
    monitor = load_config(config_path).monitors[0]
    end = drift_at + 5
    start = end - WARM_SECONDS
    embedded = EmbeddedSource(make_session_factory(engine))
    wait_until(
        lambda: embedded.query("request_latency_seconds", end + 2) or None,
        "remote-written samples",
        20,
    )
    with PrometheusSource(prometheus_url) as source:
        from_prometheus = replay(monitor, source, start, end, 0.5)
    from_embedded = replay(monitor, embedded, start, end, 0.5)
    return (
        [d.at for r in from_prometheus for d in r.firings()],
        [d.at for r in from_embedded for d in r.firings()],
    )
