"""``warroom heartbeat ping`` against a real server (uvicorn on loopback)."""

from __future__ import annotations

import time

from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, closed_port_url, error_line, plain, wide_console
from warroom.cli.main import app as cli_app
from warroom.db.engine import make_session_factory
from warroom.ingest.models import Heartbeat, HeartbeatState, Signal, SignalAction

KEY = "beat-test-key-0123456789"  # nightly-backup: cron 0 3 * * * Europe/Prague, grace 30m


def run(*args: str, url: str | None = None) -> Result:
    env = {"WARROOM_URL": url, "WARROOM_TOKEN": None, "WARROOM_TIMEOUT": None}
    with wide_console():
        return CliRunner().invoke(cli_app, ["heartbeat", "ping", *args], env=env)


def heartbeat(server: LiveServer) -> Heartbeat | None:
    with make_session_factory(server.engine)() as session:
        return session.get(Heartbeat, "nightly-backup")


def test_ping_records_a_beat_and_prints_one_line(server: LiveServer) -> None:
    result = run(KEY, url=server.url)
    assert result.exit_code == 0, (result.output, result.exception)
    assert plain(result.stdout).splitlines() == [
        "ok: beat recorded; state up, next beat due by 2026-03-03T02:30:00+00:00"
    ]
    row = heartbeat(server)
    assert row is not None
    assert row.state is HeartbeatState.UP
    assert row.beats == 1


def test_ping_fail_reports_a_failure_with_its_message(server: LiveServer) -> None:
    result = run(KEY, "--fail", "--message", "pg_dump: disk full", url=server.url)
    assert result.exit_code == 0, (result.output, result.exception)
    assert plain(result.stdout).splitlines() == [
        "ok: failure reported; state down, next beat due by 2026-03-03T02:30:00+00:00"
    ]
    row = heartbeat(server)
    assert row is not None and row.state is HeartbeatState.DOWN
    with make_session_factory(server.engine)() as session:
        [signal] = session.scalars(select(Signal)).all()
    assert signal.integration == "nightly-backup"
    assert signal.action is SignalAction.TRIGGER
    assert "pg_dump: disk full" in signal.data["description"]


def test_url_option_wins_over_the_environment(shared_server: LiveServer) -> None:
    with wide_console():
        result = CliRunner().invoke(
            cli_app,
            ["heartbeat", "ping", KEY, "--url", shared_server.url],
            env={"WARROOM_URL": closed_port_url(), "WARROOM_TOKEN": None},
        )
    assert result.exit_code == 0, (result.output, result.exception)
    assert plain(result.stdout).startswith("ok: beat recorded; state up")


def test_unknown_key_fails_with_one_line(shared_server: LiveServer) -> None:
    result = run("no-such-key-0123456789", url=shared_server.url)
    assert result.exit_code == 1
    line = error_line(result)
    assert "does not know this heartbeat key" in line
    assert "no-such-key" not in line  # keys are secrets: not echoed into job logs


def test_unreachable_server_fails_with_one_line_after_retrying() -> None:
    url = closed_port_url()
    started = time.monotonic()
    result = run(KEY, url=url)
    assert result.exit_code == 1
    assert error_line(result).startswith(f"error: cannot reach warroom at {url}")
    assert time.monotonic() - started >= 1.4  # two retries, 0.5s then 1s apart

    result = run(KEY, "--retries", "0", url=url)
    assert result.exit_code == 1
    assert "cannot reach warroom" in error_line(result)


def test_bad_url_is_a_usage_error() -> None:
    result = run(KEY, "--retries", "0", url="ftp://warroom.example")
    assert result.exit_code == 2
    assert "must be http:// or https://" in error_line(result)
