"""A tally's updates reach /metrics exactly as direct updates of the children would."""

from __future__ import annotations

from prometheus_client import generate_latest

from warroom.observability.metrics import Metrics

LATENCIES = (0.0, 0.0004, 0.001, 0.0010001, 0.0025, 0.07, 0.5, 9.99, 10.0, 11.0, 3600.0)


def test_tallied_updates_are_the_direct_updates_at_collection() -> None:
    direct, tallied = Metrics(), Metrics()
    tally = tallied.tally()
    for seconds in LATENCIES:
        for metrics, use_tally in ((direct, False), (tallied, True)):
            requests = metrics.requests.labels("POST", "/api/{project_id}/envelope/", "200")
            latency = metrics.latency.labels("POST", "/api/{project_id}/envelope/")
            ingest = metrics.ingest.labels("sentry:api", "accepted")
            if use_tally:
                tally.inc(requests)
                tally.inc(ingest, 3)
                tally.observe(latency, seconds)
            else:
                requests.inc()
                ingest.inc(3)
                latency.observe(seconds)
    expected = exposition(direct)
    assert 'warroom_http_requests_total{method="POST"' in expected
    assert 'warroom_http_request_duration_seconds_bucket{le="0.001",' in expected
    assert exposition(tallied) == expected
    # flushed once: a second collection adds nothing more
    assert exposition(tallied) == expected


def exposition(metrics: Metrics) -> str:
    """The text of /metrics but the ``_created`` lines (each child's creation time)."""
    lines = generate_latest(metrics.registry).decode().splitlines()
    return "\n".join(line for line in lines if "_created" not in line)


def test_a_tally_with_nothing_pending_leaves_the_metrics_alone() -> None:
    metrics = Metrics()
    metrics.tally()
    metrics.requests.labels("GET", "/x", "200").inc()
    assert b'warroom_http_requests_total{method="GET",route="/x",status="200"} 1.0' in (
        generate_latest(metrics.registry)
    )
