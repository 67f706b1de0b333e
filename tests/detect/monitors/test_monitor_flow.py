"""A monitor on the embedded store, end to end in one process on both databases: pushed
history warms the detector up, a jump opens a SEV3 incident through the alert pipeline
with the explanation and the chart link; feedback lowers the sensitivity; the backtest
says when it would have fired."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.detect.metrics.conftest import push, write_config
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.web import web_user

MONITOR = {
    "kind": "anomaly",
    "name": "checkout-latency",
    "team": "payments",
    "query": 'request_latency_seconds{service="checkout"}',
    "step": "1m",
    "history": "2h",
}


@pytest.fixture
def harness(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    config = write_config(tmp_path / "warroom.yaml", monitors=[MONITOR])
    with running_app(engine, config, FakeClock()) as running:
        yield running


def history(harness: Harness, minutes: int = 120) -> None:
    now = harness.clock().timestamp()
    samples = [
        {
            "name": "request_latency_seconds",
            "labels": {"service": "checkout"},
            "value": 0.1 + 0.004 * math.sin(i),
            "timestamp": now - 60 * (minutes - i),
        }
        for i in range(minutes + 1)
    ]
    assert push(harness, {"samples": samples}).status_code == 202


def monitor_alerts(harness: Harness) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = harness.ok("GET", "/api/v1/alerts")["items"]
    return [a for a in items if a["integration"] == "warroom-monitors"]


def test_quiet_history_raises_nothing(harness: Harness) -> None:
    history(harness)
    harness.drain()
    assert monitor_alerts(harness) == []
    shown = harness.ok("GET", "/api/v1/monitors/checkout-latency")
    assert shown["series"] == 1
    assert shown["states"][0]["anomalous"] is False


def test_a_jump_opens_a_sev3_incident_with_the_explanation(harness: Harness) -> None:
    history(harness)
    harness.drain()
    harness.clock.advance(minutes=1)
    now = harness.clock().timestamp()
    push(harness, {"name": "request_latency_seconds", "labels": {"service": "checkout"},
                   "value": 0.5, "timestamp": now})  # fmt: skip
    harness.drain()
    alerts = monitor_alerts(harness)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["labels"]["monitor"] == "checkout-latency"
    assert alert["labels"]["service"] == "checkout"
    assert alert["annotations"]["observed"] == "0.5"
    assert float(alert["annotations"]["expected_high"]) < 0.2
    assert "chart.svg?series=" in alert["annotations"]["chart_url"]
    incidents = harness.ok("GET", "/api/v1/incidents")["items"]
    assert [i["severity"] for i in incidents] == ["SEV3"]
    assert incidents[0]["team"] == "payments"


def test_outside_working_hours_nothing_is_raised(engine: Engine, tmp_path: Path) -> None:
    config = write_config(tmp_path / "warroom.yaml", monitors=[MONITOR])
    from datetime import UTC, datetime

    night = FakeClock(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    with running_app(engine, config, night) as harness:
        history(harness)
        harness.drain()
        harness.clock.advance(minutes=1)
        push(harness, {"name": "request_latency_seconds", "labels": {"service": "checkout"},
                       "value": 0.5, "timestamp": harness.clock().timestamp()})  # fmt: skip
        harness.drain()
        assert monitor_alerts(harness) == []


def test_chart_is_an_svg_with_band_and_line(harness: Harness) -> None:
    history(harness)
    harness.drain()
    series = harness.ok("GET", "/api/v1/monitors/checkout-latency")["states"][0]["series"]
    response = harness.get(f"/api/v1/monitors/checkout-latency/chart.svg?series={series}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")
    assert 'class="band"' in response.text
    assert 'class="observed"' in response.text


def test_chart_of_unknown_series_is_404(harness: Harness) -> None:
    history(harness)
    response = harness.get("/api/v1/monitors/checkout-latency/chart.svg?series=nope")
    assert response.status_code == 404


def test_not_useful_lowers_sensitivity_within_bounds(harness: Harness) -> None:
    for expected in (0.4, 0.3, 0.2, 0.1, 0.1):
        body = harness.ok("POST", "/api/v1/monitors/checkout-latency/not-useful")
        assert body["sensitivity"] == pytest.approx(expected)
    shown = harness.ok("GET", "/api/v1/monitors")["items"][0]
    assert shown["not_useful"] == 5
    assert shown["sensitivity"] == pytest.approx(0.1)


def test_backtest_lists_when_it_would_have_fired(harness: Harness) -> None:
    history(harness)
    now = harness.clock().timestamp()
    spike = now - 30 * 60
    push(harness, {"name": "request_latency_seconds", "labels": {"service": "checkout"},
                   "value": 0.9, "timestamp": spike})  # fmt: skip
    body = harness.ok("GET", f"/api/v1/monitors/checkout-latency/test?from={now - 7200}&to={now}")
    firings = body["series"][0]["firings"]
    assert [f["at"] for f in firings] == [pytest.approx(spike)]


def test_unknown_monitor_is_404(harness: Harness) -> None:
    assert harness.get("/api/v1/monitors/nope").status_code == 404


def test_not_useful_marks_are_counted_in_the_noise_report(harness: Harness) -> None:
    history(harness)
    harness.drain()
    harness.clock.advance(minutes=1)
    push(harness, {"name": "request_latency_seconds", "labels": {"service": "checkout"},
                   "value": 0.5, "timestamp": harness.clock().timestamp()})  # fmt: skip
    harness.drain()
    harness.ok("POST", "/api/v1/monitors/checkout-latency/not-useful")
    harness.clock.advance(minutes=1)  # the report's window ends before now
    report = harness.ok("GET", "/api/v1/insights/noise")
    row = next(a for a in report["alerts"] if a["integration"] == "warroom-monitors")
    assert row["name"] == "Monitor checkout-latency"
    assert row["not_useful"] == 1


def test_alert_page_shows_the_chart_and_takes_not_useful(harness: Harness) -> None:
    history(harness)
    harness.drain()
    harness.clock.advance(minutes=1)
    push(harness, {"name": "request_latency_seconds", "labels": {"service": "checkout"},
                   "value": 0.5, "timestamp": harness.clock().timestamp()})  # fmt: skip
    harness.drain()
    alert = monitor_alerts(harness)[0]
    web = web_user(harness, "rita", teams=("payments",))
    page = web.get(f"/alerts/{alert['id']}")
    assert page.status_code == 200
    series = alert["annotations"]["chart_url"].split("series=")[1]
    assert f'src="/monitors/checkout-latency/chart.svg?series={series}"' in page.text
    image = web.get(f"/monitors/checkout-latency/chart.svg?series={series}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/svg+xml"
    assert 'class="band"' in image.text
    marked = web.post("/monitors/checkout-latency/not-useful", {"alert_id": alert["id"]})
    assert marked.status_code == 303
    assert marked.headers["location"] == f"/alerts/{alert['id']}?marked=not-useful"
    shown = harness.ok("GET", "/api/v1/monitors/checkout-latency")
    assert shown["not_useful"] == 1
    assert shown["sensitivity"] == pytest.approx(0.4)
