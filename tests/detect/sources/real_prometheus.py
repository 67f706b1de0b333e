"""A real Prometheus on loopback scraping an in-test exporter every second.

Used by the metric-source tests and the lead-time bench: :class:`Exporter` serves
``/metrics`` with prometheus_client from a thread; :func:`running_prometheus` starts
``/usr/bin/prometheus`` (skip, or fail under CI=true, without it) with optional alert rules
and a ``remote_write`` target, and waits until the exporter's first scrape is queryable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from tests.e2e.processes import Process, require_binary, start, wait_healthy, wait_until
from tests.support.postgres import free_port

PROMETHEUS = "/usr/bin/prometheus"


class Exporter:
    """``request_latency_seconds{service=...}`` (a gauge the test moves) and
    ``requests_total{service=...}`` (a counter it adds to) on a loopback port."""

    def __init__(self, service: str = "checkout") -> None:
        self.registry = CollectorRegistry()
        self.latency = Gauge(
            "request_latency_seconds", "Request latency", ["service"], registry=self.registry
        )
        self.requests = Counter("requests", "Requests served", ["service"], registry=self.registry)
        self.service = service
        self.latency.labels(service=service).set(0.1)
        self._server, self._thread = start_http_server(0, "127.0.0.1", registry=self.registry)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_port}"

    def set(self, value: float) -> None:
        self.latency.labels(service=self.service).set(value)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Prometheus:
    process: Process
    url: str

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=5)
        response.raise_for_status()
        return response.json()["data"]

    def firing(self, alert: str) -> bool:
        return any(
            a["labels"].get("alertname") == alert and a["state"] == "firing"
            for a in self.api("/api/v1/alerts")["alerts"]
        )


@contextmanager
def running_prometheus(
    workdir: Path,
    exporter: Exporter,
    rules: list[dict[str, Any]] | None = None,
    remote_write: list[dict[str, Any]] | None = None,
) -> Iterator[Prometheus]:
    binary = require_binary(PROMETHEUS, "prometheus")
    workdir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": "exporter", "static_configs": [{"targets": [exporter.address]}]}
        ],
    }
    if rules:
        rules_path = workdir / "rules.yml"
        rules_path.write_text(yaml.safe_dump({"groups": [{"name": "test", "rules": rules}]}))
        config["rule_files"] = [str(rules_path)]
    if remote_write:
        config["remote_write"] = remote_write
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(
        "prometheus",
        [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        workdir,
    )
    try:
        wait_healthy(process, f"{url}/-/ready")
        prometheus = Prometheus(process, url)
        wait_until(
            lambda: (
                prometheus.api("/api/v1/query", query="request_latency_seconds")["result"] or None
            ),
            "the exporter's first scrape",
            30,
            process.tail,
        )
        yield prometheus
    finally:
        process.stop()
