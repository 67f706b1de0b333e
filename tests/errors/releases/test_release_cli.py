"""``warroom release …`` over real HTTP; the gate's exit codes, --json and --wait."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine
from tests.cli.harness import LiveServer, plain, wide_console
from tests.errors.releases.support import add_issue, release_server, resolve, session_of
from typer.testing import CliRunner

from warroom.cli.client import ApiClient, ClientError
from warroom.cli.main import app as cli_app
from warroom.cli.release import poll_gate
from warroom.errors.models import ResolveMode

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    with release_server(engine, tmp_path) as running:
        yield running


def run(server: LiveServer, *args: str, token: str | None = None) -> Result:
    env: dict[str, str | None] = {
        "WARROOM_URL": server.url,
        "WARROOM_TOKEN": token if token is not None else server.admin_token,
        "WARROOM_TIMEOUT": None,
    }
    with wide_console():
        return CliRunner().invoke(cli_app, ["release", *args], env=env)


def ok(server: LiveServer, *args: str) -> str:
    result = run(server, *args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return plain(result.stdout)


def as_json(server: LiveServer, *args: str) -> Any:
    return orjson.loads(ok(server, *args, "--json"))


def check(server: LiveServer, release: str, *extra: str) -> Result:
    return run(
        server,
        "check",
        "--project",
        "api",
        "--release",
        release,
        "--environment",
        "staging",
        *extra,
    )


def test_new_finalize_deploy_and_list(server: LiveServer) -> None:
    out = ok(server, "new", "1.1", "-p", "api", "--commit", "acme/api@abc123", "--ref", "v1.1")
    assert out.strip() == "recorded release 1.1 (api; 1 commits; open)"
    assert "finalized 2026-03-02 09:00:00 UTC" in ok(server, "finalize", "1.1")
    deploy = as_json(server, "deploy", "1.1", "-e", "staging", "--name", "blue")
    assert (deploy["environment"], deploy["projects"], deploy["name"]) == (
        "staging",
        ["api"],
        "blue",
    )
    [release] = as_json(server, "list", "--project", "api")
    assert release["version"] == "1.1"
    assert release["ref"] == "v1.1"
    assert [d["id"] for d in release["deploys"]] == [deploy["id"]]
    table = ok(server, "list")
    assert "1.1" in table and "staging" in table


def test_bad_input_names_the_field(server: LiveServer) -> None:
    result = run(server, "new", "1.1", "-p", "nope")
    assert result.exit_code == 1
    assert "projects[0]" in result.stderr and "'nope' does not exist" in result.stderr
    result = run(server, "new", "1.1", "-p", "api", "--commit", "no-at-sign")
    assert "commits[0]" in result.stderr
    result = run(server, "deploy", "9.9", "-e", "staging")
    assert "release '9.9' does not exist" in result.stderr
    assert run(server, "new", "1.1").exit_code == 2


def test_gate_fails_then_passes(server: LiveServer) -> None:
    with session_of(server.engine) as session:
        issue = add_issue(session, 1, [("1.1", "staging", T0)], title="KeyError: 'cart'")
        session.commit()
        failed = check(server, "1.1")
        assert failed.exit_code == 1
        out = plain(failed.stdout)
        assert "gate failed: api 1.1 in staging has 1 new or regressed unresolved issue(s)" in out
        assert "API-1" in out and "KeyError: 'cart'" in out

        data = orjson.loads(check(server, "1.1", "--json").stdout)
        assert data["passed"] is False
        assert [(i["short_id"], i["reason"]) for i in data["issues"]] == [("API-1", "new")]

        resolve(session, issue.id, ResolveMode.NEXT_RELEASE, "1.1")
        session.commit()
    ok(server, "new", "1.2", "-p", "api")
    passed = check(server, "1.2")
    assert passed.exit_code == 0, passed.output
    assert "gate passed: api 1.2 in staging" in plain(passed.stdout)
    assert orjson.loads(check(server, "1.2", "--json").stdout)["passed"] is True


def test_gate_cannot_check_exits_2(server: LiveServer) -> None:
    unknown = run(server, "check", "-p", "nope", "-r", "1.1", "-e", "staging")
    assert unknown.exit_code == 2
    assert "project 'nope' does not exist" in unknown.stderr
    assert (
        run(server, "check", "-p", "api", "-r", "1.1", "-e", "staging", token="bad").exit_code == 2
    )
    assert check(server, "1.1", "--wait", "soon").exit_code == 2


def test_wait_polls_until_the_gate_passes(server: LiveServer) -> None:
    with session_of(server.engine) as session:
        issue = add_issue(session, 1, [("1.1", "staging", T0)])
        session.commit()
    ticks: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        now[0] += seconds
        if len(ticks) == 2:  # meanwhile someone resolves the issue
            with session_of(server.engine) as session:
                resolve(session, issue.id, ResolveMode.NOW, None)
                session.commit()

    params = {"project": "api", "environment": "staging"}
    with ApiClient(server.url, server.admin_token) as client:
        gate = poll_gate(
            client,
            "/api/v1/releases/1.1/gate",
            params,
            timedelta(minutes=5),
            10,
            sleep,
            lambda: now[0],
        )
        assert gate["passed"] is True
        assert ticks == [10, 10]

        with session_of(server.engine) as session:
            add_issue(session, 2, [("1.1", "staging", T0)])
            session.commit()
        ticks.clear()
        gate = poll_gate(
            client,
            "/api/v1/releases/1.1/gate",
            params,
            timedelta(seconds=30),
            10,
            sleep,
            lambda: now[0],
        )
        assert gate["passed"] is False
        assert ticks == [10, 10, 10]

        with pytest.raises(ClientError):
            poll_gate(
                client,
                "/api/v1/releases/1.1/gate",
                {"project": "nope", "environment": "staging"},
                timedelta(minutes=5),
                10,
                sleep,
                lambda: now[0],
            )
