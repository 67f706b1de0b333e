"""Self-metrics in Prometheus format: requests, latencies, ingest and delivery counters.

Domain gauges (incidents by status and severity) are collectors their packages provide;
the composition root registers them on ``Metrics.registry``."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric

from warroom.observability.tally import Tally


class Flushes:
    """A collector with no metrics of its own, registered before all others: each
    collection first adds the tallies (hot paths' pending updates) to their children."""

    def __init__(self) -> None:
        self.tallies: list[Tally] = []

    def collect(self) -> Iterable[Metric]:
        for tally in self.tallies:
            tally.flush()
        return []


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.flushes = Flushes()
        self.registry.register(self.flushes)
        self.requests = Counter(
            "warroom_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "warroom_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.config_generation = Gauge(
            "warroom_config_generation",
            "Generation of the configuration in force (increments on each reload)",
            registry=self.registry,
        )
        self.config_reload_failures = Counter(
            "warroom_config_reload_failures",
            "Configuration reloads refused because the new config was invalid",
            registry=self.registry,
        )
        self.ingest = Counter(
            "warroom_ingest_signals",
            "Signals by integration and outcome: accepted, rate_limited, too_large, "
            "malformed, unknown_key",
            ["integration", "outcome"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "warroom_notification_deliveries",
            "Notification delivery attempts by channel and outcome: sent, failed (will be "
            "retried), dead (gave up; see GET /api/v1/deliveries?status=dead)",
            ["channel", "outcome"],
            registry=self.registry,
        )

    def tally(self) -> Tally:
        """A new ``Tally`` of this registry's children, flushed at every collection."""
        tally = Tally()
        self.flushes.tallies.append(tally)
        return tally
