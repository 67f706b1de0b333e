"""``warroom errors …`` and ``warroom projects …`` over real HTTP, on both databases: events
come in through the Sentry endpoint, the worker runs, and a responder works the issue."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.alerts.support import config_doc
from tests.cli import harness
from tests.cli.harness import LiveServer, error_line, plain, wide_console
from tests.errors.support import AUTH, KEY, PROJECT_ID, projects
from tests.pipeline.test_errors import error_event
from warroom.cli.main import app as cli_app


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    doc = config_doc()
    projects(doc)
    path = tmp_path / "warroom.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with harness.live_server(engine, config_path=path) as live:
        yield live


def run(server: LiveServer, *args: str) -> Any:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.admin_token, "WARROOM_TIMEOUT": None}
    with wide_console():
        return CliRunner().invoke(cli_app, list(args), env=env)


def ok(server: LiveServer, *args: str) -> str:
    result = run(server, *args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return plain(result.stdout)


def as_json(server: LiveServer, *args: str) -> Any:
    return orjson.loads(ok(server, *args, "--json"))


def send(server: LiveServer, **fields: Any) -> str:
    event_id, body = error_event(**fields)
    answer = httpx.post(
        f"{server.url}/api/{PROJECT_ID}/envelope/",
        content=gzip.compress(body),
        headers={"X-Sentry-Auth": AUTH, "Content-Encoding": "gzip"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return event_id


def test_projects_list_and_the_dsn_to_paste(server: LiveServer) -> None:
    assert ok(server, "projects", "dsn", "api").strip() == (
        f"http://{KEY}@127.0.0.1:8000/{PROJECT_ID}"
    )
    listed = ok(server, "projects", "list")
    assert "api" in listed and "web" in listed
    keys = as_json(server, "projects", "dsn", "api")
    assert [k["disabled"] for k in keys] == [False, True]


def test_a_responder_lists_shows_resolves_and_ignores_issues(server: LiveServer) -> None:
    first = send(server, user="u1")
    send(server, user="u2")
    send(server, kind="TypeError", function="other")
    server.app.state.worker.drain()

    listed = as_json(server, "errors", "list", "--project", "api")
    assert listed["total"] == 2
    shown = ok(server, "errors", "show", "API-1")
    assert "API-1 [unresolved/new] ValueError: bad input" in shown
    assert "2 events, 2 users" in shown
    assert "owned by payments" in shown

    event = as_json(server, "errors", "event", first)
    assert (event["issue"], event["stored"]) == ("API-1", True)
    explained = ok(server, "errors", "explain", first)
    assert "issue API-1" in explained and "Hashes (primary first)" in explained

    resolved = as_json(server, "errors", "resolve", "API-1", "--next-release")
    assert (resolved["status"], resolved["resolved_in_release"]) == ("resolved", "api@1.0.0")
    ignored = as_json(server, "errors", "ignore", "API-2", "--until-events", "5")
    assert (ignored["status"], ignored["ignore_count"]) == ("ignored", 5)
    reopened = as_json(server, "errors", "unresolve", "API-2")
    assert reopened["status"] == "unresolved"
    opened = as_json(server, "errors", "incident", "API-2", "--severity", "SEV3")
    assert opened["incident"] == "INC-1"


def test_errors_refusals_are_one_line(server: LiveServer) -> None:
    missing = run(server, "errors", "show", "API-99")
    assert error_line(missing) == "error: no error issue API-99"
    both = run(server, "errors", "resolve", "API-1", "--next-release", "--in-release", "x")
    assert both.exit_code == 2
