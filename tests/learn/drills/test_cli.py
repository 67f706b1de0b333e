"""``warroom drills list|run|runs|scorecard`` over real HTTP against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.cli.harness import TEST_CONFIG, LiveServer, lines_with, live_server, plain, wide_console
from tests.learn.drills.helpers import START
from tests.support.clock import FakeClock
from warroom.cli.main import app as cli_app

SCENARIO = """
drills:
  scenarios:
    - name: payments-am
      team: payments
      kind: alertmanager
      integration: am
      title: PaymentsApiDown
      expect_severity: SEV1
"""


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "warroom.yaml"
    path.write_text(TEST_CONFIG.read_text() + SCENARIO)
    with live_server(engine, FakeClock(START), path) as live:
        yield live


def _run(server: LiveServer, *args: str) -> Result:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.admin_token, "WARROOM_TIMEOUT": None}
    with wide_console():
        result = CliRunner().invoke(cli_app, ["drills", *args], env=env)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def _api(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    answer = httpx.request(method, f"{server.url}{path}", headers=headers, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json()


def test_list_shows_each_scenario_with_its_targets(server: LiveServer) -> None:
    out = plain(_run(server, "list").stdout)
    [line] = lines_with(out, "payments-am")
    assert line.split() == [
        "payments-am",
        "payments",
        "alertmanager",
        "SEV1",
        "120",
        "300",
        "600",
        "ad",
        "hoc",
    ]


def test_run_injects_and_runs_and_scorecard_show_the_measures(server: LiveServer) -> None:
    started = orjson.loads(_run(server, "run", "payments-am", "--json").stdout)
    assert started["status"] == "running"
    server.clock.advance(seconds=45)
    server.app.state.worker.drain()
    _api(server, "POST", "/api/v1/incidents/INC-1/actions/acknowledge")
    server.clock.advance(seconds=60)
    _api(server, "POST", "/api/v1/incidents/INC-1/updates", json={"text": "On it (drill)."})
    _api(server, "POST", "/api/v1/incidents/INC-1/actions/resolve")
    server.app.state.worker.drain()

    [line] = lines_with(plain(_run(server, "runs").stdout), "payments-am")
    cells = line.split()
    assert cells[0] == str(started["id"])
    assert cells[4:] == [
        "scored", "INC-1", "45/120", "pass", "0/300", "pass", "60/600", "pass", "pass"
    ]  # fmt: skip
    [week] = lines_with(plain(_run(server, "scorecard", "--team", "payments").stdout), "payments")
    assert week.split()[:4] == ["payments", "2026-03-02", "1", "1"]
    assert "45 (1 met)" in week
