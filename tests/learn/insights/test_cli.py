"""``warroom insights …`` over real HTTP against a live server with the generated history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.cli.harness import (
    LiveServer,
    console_width,
    lines_with,
    live_server,
    plain,
    wide_console,
)
from tests.learn.insights.history import generate, write
from warroom.cli.main import app as cli_app


@pytest.fixture
def history_server(engine: Engine) -> Iterator[LiveServer]:
    with live_server(engine) as server:
        write(server.engine, generate(server.clock()))
        yield server


def _run(server: LiveServer, *args: str, width: int = 200) -> Result:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.admin_token, "WARROOM_TIMEOUT": None}
    with console_width(width) if width != 200 else wide_console():
        result = CliRunner().invoke(cli_app, ["insights", *args], env=env)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def _json(server: LiveServer, *args: str) -> Any:
    return orjson.loads(_run(server, *args, "--json").stdout)


def _api(server: LiveServer, path: str, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    answer = httpx.get(f"{server.url}/api/v1/insights/{path}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_durations_json_is_the_api_answer_and_the_table_shows_its_figures(
    history_server: LiveServer,
) -> None:
    body = _json(history_server, "durations", "--by", "severity")
    assert body == _api(history_server, "durations", group_by="severity")
    out = plain(_run(history_server, "durations", "--by", "severity").stdout)
    sev1 = next(g for g in body["groups"] if g["key"] == "SEV1")
    [line] = lines_with(out, "SEV1 ")
    cells = line.split()
    assert cells[:2] == ["SEV1", str(sev1["incidents"])]
    assert cells[2] == f"{sev1['metrics']['ttd']['median'] / 60:.1f}"
    assert cells[3] == f"{sev1['metrics']['ttd']['p90'] / 60:.1f}"


def test_tables_fit_80_columns(history_server: LiveServer) -> None:
    """Tables fit; the server's own sentences (verdict, hints) run on whole, as scripts
    read them."""
    load = _json(history_server, "load")
    for command in ("durations", "load", "noise", "detection", "oncall"):
        out = plain(_run(history_server, command, width=80).stdout)
        too_wide = [
            line
            for line in out.splitlines()
            if len(line) > 80 and line != load["overall"]["verdict"]
        ]
        assert too_wide == [], (command, too_wide)


def test_load_and_detection(history_server: LiveServer) -> None:
    load = _json(history_server, "load")
    assert load == _api(history_server, "load")
    out = plain(_run(history_server, "load").stdout)
    assert load["overall"]["verdict"] in " ".join(out.split())
    detection = _json(history_server, "detection")
    out = plain(_run(history_server, "detection").stdout)
    customer = next(s for s in detection["sources"] if s["source"] == "customer")
    [line] = lines_with(out, "customer ")
    assert line.split()[:2] == ["customer", str(customer["incidents"])]
    assert f"{detection['found_by_humans']} of {detection['incidents']} incidents" in out


def test_a_bad_window_is_refused_naming_the_field(history_server: LiveServer) -> None:
    env = {"WARROOM_URL": history_server.url, "WARROOM_TOKEN": history_server.admin_token}
    result = CliRunner().invoke(
        cli_app,
        ["insights", "load", "--since", "2026-03-02T10:00:00Z", "--until", "2026-03-01T10:00:00Z"],
        env=env,
    )
    assert result.exit_code != 0
    assert "since must be before until" in plain(result.stderr)
