"""Action-item follow-through by team (``/api/v1/insights/actions``) and the recurring
contributing factors, through ``warroom insights actions|factors`` over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, lines_with, live_server, plain, wide_console
from warroom.cli.main import app as cli_app


@pytest.fixture
def server(engine: Engine) -> Iterator[LiveServer]:
    with live_server(engine) as running:
        yield running


def _run(server: LiveServer, *args: str) -> Result:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.admin_token, "WARROOM_TIMEOUT": None}
    with wide_console():
        result = CliRunner().invoke(cli_app, list(args), env=env)
    assert result.exit_code == 0, (args, result.output, server.log.getvalue()[-3000:])
    return result


def _json(server: LiveServer, *args: str) -> Any:
    return orjson.loads(_run(server, *args, "--json").stdout)


def _resolved(server: LiveServer, title: str) -> str:
    ref: str = _json(
        server, "incident", "declare", title, "--severity", "SEV1", "--team", "payments"
    )["ref"]
    _run(server, "incident", "resolve", ref)
    server.app.state.worker.drain()
    return ref


def _item(server: LiveServer, ref: str, title: str, team: str, due: str, *more: str) -> int:
    made = _json(
        server, "actions", "add", ref, title, "--team", team, "--due", due, "--kind", "prevent",
        *more,
    )  # fmt: skip
    return int(made["id"])


def _factor(server: LiveServer, ref: str) -> int:
    answer = httpx.post(
        f"{server.url}/api/v1/incidents/{ref}/postmortem/factors",
        headers={"Authorization": f"Bearer {server.admin_token}"},
        json={
            "category": "capacity",
            "description": "PSP pool too small",
            "service": "payments-api",
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_completion_rate_and_overdue_items_by_team(server: LiveServer) -> None:
    ref = _resolved(server, "Card payments time out")
    today = server.clock().date()
    soon = (today + timedelta(days=2)).isoformat()
    later = (today + timedelta(days=20)).isoformat()
    done = _item(server, ref, "Alert on PSP pool use", "payments", soon)
    late = _item(server, ref, "Raise the PSP pool size", "payments", soon)
    _item(server, ref, "Capacity review", "payments", later)
    cancelled = _item(server, ref, "Rewrite the client", "payments", later)
    _item(server, ref, "Checkout retry budget", "checkout", soon)
    _run(server, "actions", "done", str(done))
    assert _json(server, "actions", "list", "--incident", ref, "--status", "done")[0]["id"] == done
    httpx.post(
        f"{server.url}/api/v1/action-items/{cancelled}/cancel",
        headers={"Authorization": f"Bearer {server.admin_token}"},
    ).raise_for_status()
    server.clock.advance(days=5)

    body = _json(server, "insights", "actions")
    checkout, payments = body["teams"]  # by team name
    assert (payments["team"], payments["created"], payments["done"]) == ("payments", 4, 1)
    assert (payments["cancelled"], payments["open"], payments["overdue"]) == (1, 2, 1)
    assert payments["completion_rate"] == 1 / 3
    assert [(i["id"], i["incident"], i["days_late"]) for i in payments["overdue_items"]] == [
        (late, ref, 3)
    ]
    assert (checkout["team"], checkout["created"], checkout["overdue"]) == ("checkout", 1, 1)
    assert checkout["completion_rate"] == 0.0
    assert (body["overall"]["created"], body["overall"]["overdue"]) == (5, 2)
    assert body["overall"]["completion_rate"] == 0.25

    out = plain(_run(server, "insights", "actions").stdout)
    [row] = lines_with(out, "payments ")
    assert row.split()[1:] == ["4", "1", "2", "1", "1", "33%"]
    [overdue_row] = lines_with(out, "Raise the PSP pool size")
    assert overdue_row.split()[:4] == [str(late), ref, soon, "3d"]

    before = (server.clock() - timedelta(days=1)).isoformat()
    empty = _json(server, "insights", "actions", "--since", before)
    assert empty["teams"] == []
    assert empty["overall"]["completion_rate"] is None


def test_recurring_factors_list_their_incidents_and_done_items(server: LiveServer) -> None:
    first = _resolved(server, "Card payments time out")
    factor = _factor(server, first)
    today = server.clock().date().isoformat()
    item = _item(
        server, first, "Raise the PSP pool size", "payments", today, "--factor", str(factor)
    )
    _run(server, "actions", "done", str(item))
    server.clock.advance(days=3)
    second = _resolved(server, "Card payments time out again")
    _factor(server, second)
    lone = _resolved(server, "Search is slow")
    assert lone

    [recurring] = _json(server, "insights", "factors")
    assert recurring["category"] == "capacity"
    assert recurring["service"] == "payments-api"
    assert sorted(recurring["incidents"]) == sorted([first, second])
    assert (recurring["action_items_done"], recurring["action_items_open"]) == (1, 0)
    out = plain(_run(server, "insights", "factors").stdout)
    [row] = lines_with(out, "capacity ")
    assert row.split()[:2] == ["capacity", "payments-api"]
    assert _json(server, "insights", "factors", "--min", "3") == []
