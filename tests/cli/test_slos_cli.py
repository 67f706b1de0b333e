"""``warroom slos list|show`` over real HTTP, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.alerts.support import config_doc
from tests.cli import harness
from tests.cli.harness import LiveServer, wide_console
from tests.errors.support import PROJECT_ID, projects
from warroom.cli.main import app as cli_app
from warroom.db.engine import make_session_factory
from warroom.errors.health_models import SessionMinute

SLO = {
    "name": "api-crash-free",
    "service": "payments-api",
    "target": 0.99,
    "indicator": {"kind": "sessions", "project": "api"},
}


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    doc = config_doc()
    projects(doc)
    doc["slos"] = [SLO]
    path = tmp_path / "warroom.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with harness.live_server(engine, config_path=path) as live:
        yield live


def run(server: LiveServer, *args: str) -> Any:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.admin_token, "WARROOM_TIMEOUT": None}
    with wide_console():
        return CliRunner().invoke(cli_app, list(args), env=env)


def crashes(server: LiveServer) -> None:
    """An hour in which 5 of every 100 sessions crashed: burn rate 5 against a 1% budget."""
    with make_session_factory(server.engine)() as session:
        for m in range(60):
            session.add(
                SessionMinute(
                    project_id=PROJECT_ID,
                    release="api@1",
                    environment="production",
                    minute=server.clock.now - timedelta(minutes=60 - m),
                    started=100,
                    crashed=5,
                )
            )
        session.commit()


def test_list_shows_budget_and_burn(server: LiveServer) -> None:
    crashes(server)
    result = run(server, "slos", "list")
    assert result.exit_code == 0, result.output
    (line,) = [row for row in result.output.splitlines() if "api-crash-free" in row]
    assert line.split() == [
        "api-crash-free", "payments-api", "payments", "99%", "30d", "-400.0%", "5.00", "1d/2h,",
        "3d/6h",
    ]  # fmt: skip


def test_show_prints_every_rule_and_the_series(server: LiveServer) -> None:
    crashes(server)
    result = run(server, "slos", "show", "api-crash-free", "--days", "1")
    assert result.exit_code == 0, result.output
    rules = [
        row.split()
        for row in result.output.splitlines()
        if row.split()[:1] in (["page"], ["ticket"])
    ]
    assert rules == [
        ["page", "1h/5m", "14.4", "5.00", "5.00", "ok"],
        ["page", "6h/30m", "6", "5.00", "5.00", "ok"],
        ["ticket", "1d/2h", "3", "5.00", "5.00", "FIRING"],
        ["ticket", "3d/6h", "1", "5.00", "5.00", "FIRING"],
    ]
    assert "Error budget over time" in result.output


def test_show_json_is_the_api_answer(server: LiveServer) -> None:
    result = run(server, "slos", "show", "api-crash-free", "--json")
    assert result.exit_code == 0, result.output
    assert '"name": "api-crash-free"' in result.output


def test_show_unknown_fails_naming_it(server: LiveServer) -> None:
    result = run(server, "slos", "show", "nope")
    assert result.exit_code == 1
    assert "SLO 'nope' is not in the config" in result.output
