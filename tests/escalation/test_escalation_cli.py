"""``warroom incident escalation`` and ``warroom incident reassign`` against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.harness import Cli, LiveServer, cli_for, error_line, lines_with, live_server
from tests.escalation.helpers import CONFIG
from warroom.cli.client import USAGE_EXIT_CODE
from warroom.config import LiveConfig


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "warroom.yaml"
    path.write_text(CONFIG)
    live = LiveConfig(path)
    with live_server(engine) as running:
        running.app.state.live_config = live
        running.app.state.worker.live_config = live
        yield running


def _paged_incident(server: LiveServer) -> Cli:
    cli = cli_for(server)
    cli.ok("declare", "Ledger stuck", "--severity", "SEV1", "--team", "payments")
    server.app.state.worker.drain()
    return cli


def test_escalation_shows_runs_and_pages(server: LiveServer) -> None:
    cli = _paged_incident(server)
    out = cli.ok("escalation", "INC-1")
    assert lines_with(out, "payments", "active", "declared")
    [page] = lines_with(out, "alice", "named in the policy", "paging")
    assert "slack" in page
    data = cli.json("escalation", "INC-1")
    assert [p["username"] for p in data["pages"]] == ["alice"]
    assert data["runs"][0]["state"] == "active"


def test_reassign_to_a_user_and_to_a_policy(server: LiveServer) -> None:
    cli = _paged_incident(server)
    assert "INC-1 reassigned to bob" in cli.ok("reassign", "INC-1", "--user", "bob")
    server.app.state.worker.drain()
    data = cli.json("reassign", "INC-1", "--policy", "bob-only", "--reason", "ledger team")
    assert [r["state"] for r in data["runs"]] == ["stopped", "stopped", "active"]
    assert data["runs"][2]["reason"] == "reassigned to policy bob-only by admin: ledger team"


def test_reassign_errors_are_one_line(server: LiveServer) -> None:
    cli = _paged_incident(server)
    neither = cli("reassign", "INC-1")
    assert neither.exit_code == USAGE_EXIT_CODE
    assert "exactly one of --user and --policy" in error_line(neither)
    both = cli("reassign", "INC-1", "--user", "bob", "--policy", "bob-only")
    assert both.exit_code == USAGE_EXIT_CODE
    unknown = error_line(cli("reassign", "INC-1", "--user", "zed"))
    assert "unknown person 'zed'" in unknown
    assert "user" in unknown
