"""``warroom monitors list|show|test`` against a live server with one monitor."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, live_server, plain, wide_console
from tests.detect.metrics.conftest import METRICS_KEY, write_config
from tests.detect.monitors.test_monitor_flow import MONITOR
from tests.support.clock import FakeClock
from warroom.cli.main import app as cli_app


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    config = write_config(tmp_path / "warroom.yaml", monitors=[MONITOR])
    with live_server(engine, FakeClock(), config_path=config) as running:
        now = running.clock().timestamp()
        samples = [
            {
                "name": "request_latency_seconds",
                "labels": {"service": "checkout"},
                "value": 0.9 if i == 90 else 0.1 + 0.004 * math.sin(i),
                "timestamp": now - 60 * (120 - i),
            }
            for i in range(121)
        ]
        response = httpx.post(
            f"{running.url}/api/v1/metrics",
            json={"samples": samples},
            headers={"Authorization": f"Bearer {METRICS_KEY}"},
        )
        assert response.status_code == 202
        running.app.state.worker.drain()
        yield running


def run(server: LiveServer, *args: str) -> Result:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.admin_token}
    with wide_console():
        return CliRunner().invoke(cli_app, ["monitors", *args], env=env)


def test_list_shows_the_monitor_and_its_series(server: LiveServer) -> None:
    result = run(server, "list")
    assert result.exit_code == 0, result.output
    line = next(s for s in plain(result.stdout).splitlines() if "checkout-latency" in s)
    assert "embedded" in line and "60s" in line and "0.50" in line


def test_show_lists_the_watched_series(server: LiveServer) -> None:
    result = run(server, "show", "checkout-latency")
    assert result.exit_code == 0, result.output
    assert 'service="checkout"' in plain(result.stdout)


def test_backtest_names_the_time_it_would_have_fired(server: LiveServer) -> None:
    spike = server.clock().timestamp() - 60 * 30
    start = datetime.fromtimestamp(spike - 5400, UTC).isoformat()
    end = server.clock().isoformat()
    result = run(server, "test", "checkout-latency", "--from", start, "--to", end, "--json")
    assert result.exit_code == 0, result.output
    body = orjson.loads(result.stdout)
    assert [f["at"] for f in body["series"][0]["firings"]] == [pytest.approx(spike)]
    human = run(server, "test", "checkout-latency", "--from", start, "--to", end)
    stamp = datetime.fromtimestamp(spike, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert stamp in plain(human.stdout)
    assert "1 detection(s) over 1 series." in plain(human.stdout)


def test_unknown_monitor_fails_with_one_line(server: LiveServer) -> None:
    result = run(server, "show", "nope")
    assert result.exit_code != 0
    assert "no monitor 'nope'" in plain(result.stderr)
