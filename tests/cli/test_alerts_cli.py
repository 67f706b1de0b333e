"""``warroom alerts|silence|maintenance|integrations`` over real HTTP.

Alerts are made the way production makes them: an Alertmanager webhook notification posted
to the ingest endpoint, then the worker run until it is idle.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from click.testing import Result
from fastapi import FastAPI
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.cli import harness
from tests.cli.harness import LiveServer, error_line, lines_with, plain, wide_console
from warroom.cli.main import app as cli_app
from warroom.cli.output import when
from warroom.db.engine import make_engine

KEY = "am-test-key-0123456789"
_names = itertools.count(1)


def am_alert(alertname: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    """One alert of an Alertmanager webhook notification (version 4)."""
    return {
        "status": status,
        "labels": {"alertname": alertname, "severity": "critical", **labels},
        "annotations": {"summary": "p99 > 1s"},
        "startsAt": "2026-03-02T08:55:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-03-02T09:30:00Z",
        "generatorURL": "http://prometheus:9090/graph",
    }


@dataclass
class AlertServer:
    """A live server whose worker the test runs by hand, and a CLI for its admin."""

    live: LiveServer
    app: FastAPI

    def send(self, *alerts: dict[str, Any]) -> None:
        """Deliver one Alertmanager notification, then run the pipeline until it is idle."""
        body = {
            "receiver": "warroom",
            "status": alerts[0]["status"],
            "alerts": list(alerts),
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "version": "4",
            "groupKey": f"{{}}:{{n{next(_names)}}}",
            "truncatedAlerts": 0,
        }
        answer = httpx.post(f"{self.live.url}/ingest/alertmanager/{KEY}", json=body)
        assert answer.status_code == 200, answer.text
        self.app.state.worker.drain()

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        environment: dict[str, str | None] = {
            "WARROOM_URL": self.live.url,
            "WARROOM_TOKEN": self.live.admin_token,
            "WARROOM_TIMEOUT": None,
            **(env or {}),
        }
        with wide_console():
            return CliRunner().invoke(cli_app, list(args), env=environment)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (args, result.exit_code, result.output, result.exception)
        assert result.exception is None, result.exception
        return plain(result.stdout)

    def json(self, *args: str) -> Any:
        return orjson.loads(self.ok(*args, "--json"))

    def error(self, *args: str) -> str:
        return error_line(self(*args))


@contextmanager
def alert_server(engine: Engine) -> Iterator[AlertServer]:
    with harness.live_server(engine) as live:
        yield AlertServer(live, live.app)


@pytest.fixture
def server_each_db(engine: Engine) -> Iterator[AlertServer]:
    """A fresh server per test on SQLite and on PostgreSQL."""
    with alert_server(engine) as running:
        yield running


@pytest.fixture(scope="module")
def shared(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AlertServer]:
    path = tmp_path_factory.mktemp("cli-alerts") / "warroom.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with alert_server(engine) as running:
            yield running
    finally:
        engine.dispose()


def unique(prefix: str) -> str:
    """An alert name no other test in the module uses (they share one server)."""
    return f"{prefix}{next(_names)}"


def alert_id(cli: AlertServer, alertname: str) -> int:
    found = [
        a
        for a in cli.json("alerts", "list", "--limit", "200")["items"]
        if a["labels"]["alertname"] == alertname
    ]
    assert len(found) == 1, found
    return int(found[0]["id"])


# --- alerts -------------------------------------------------------------------------------


def test_list_and_show_explain_who_owns_an_alert(server_each_db: AlertServer) -> None:
    cli = server_each_db
    cli.send(am_alert("HighLatency", service="payments-api"))
    cli.send(am_alert("QueueStuck", team="checkout"))

    out = cli.ok("alerts", "list")
    [row] = lines_with(out, "HighLatency: p99 > 1s")
    assert row.split()[:2] == ["1", "firing"]
    for cell in ("payments", "payments-api", "incident (default)", "INC-1", "03-02 09:00"):
        assert cell in row, (cell, row)
    assert lines_with(out, "QueueStuck", "checkout", "INC-2")
    assert out.rstrip().endswith("2 alerts")

    page = cli.json("alerts", "list", "--team", "payments")
    assert [a["title"] for a in page["items"]] == ["HighLatency: p99 > 1s"]
    assert page["total"] == 1
    [high] = page["items"]
    assert cli.json("alerts", "list", "--incident", "INC-1")["items"] == [high]
    assert cli.json(
        "alerts",
        "list",
        "--service",
        "payments-api",
        "--status",
        "firing",
        "--integration",
        "am",
        "--decision",
        "incident",
    )["items"] == [high]
    assert cli.json("alerts", "list", "--status", "resolved")["items"] == []
    assert cli.ok("alerts", "list", "--status", "acknowledged").strip() == "no alerts match"

    shown = cli.ok("alerts", "show", str(high["id"]))
    assert (
        "owned by payments: label service=payments-api is owned by payments in the catalog"
    ) in shown
    for line in (
        ("routed by",),
        ("decision", "incident"),
        ("rule", "default"),
        ("incident", "INC-1"),
        ("labels", "alertname=HighLatency", "severity=critical"),
        ("link", "Source http://prometheus:9090/graph"),
        ("History",),
        ("opened",),
        ("routed", "owned by payments"),
        ("decided",),
    ):
        assert lines_with(shown, *line), (line, shown)
    detail = cli.json("alerts", "show", str(high["id"]))
    assert detail["routed_by"]["step"] == "catalog"
    assert [e["kind"] for e in detail["events"]][:2] == ["opened", "routed"]

    queue = cli.ok("alerts", "show", str(alert_id(cli, "QueueStuck")))
    assert "owned by checkout: label team=checkout" in queue


def test_occurrences_and_flapping_are_shown(shared: AlertServer) -> None:
    name = unique("Flappy")
    for _ in range(4):
        shared.send(am_alert(name, service="search-api"))
        shared.live.clock.advance(minutes=1)
        shared.send(am_alert(name, "resolved", service="search-api"))
        shared.live.clock.advance(minutes=1)
    shared.send(am_alert(name, service="search-api"))
    out = shared.ok("alerts", "list", "--service", "search-api", "--limit", "200")
    rows = lines_with(out, name)
    assert rows
    assert any("firing (flapping)" in row for row in rows), rows
    newest = max(
        a["id"]
        for a in shared.json("alerts", "list", "--service", "search-api", "--status", "firing")[
            "items"
        ]
    )
    assert "firing (flapping)" in shared.ok("alerts", "show", str(newest))


def test_show_of_a_missing_alert_is_one_error_line(shared: AlertServer) -> None:
    assert shared.error("alerts", "show", "99999") == "error: alert 99999 does not exist"
    line = shared.error("alerts", "list", "--incident", "incident-one")
    assert line == "error: --incident: 'incident-one' is not an incident reference like INC-12"


# --- silences ----------------------------------------------------------------------------


def test_silence_mutes_a_new_matching_alert_until_expired(server_each_db: AlertServer) -> None:
    cli = server_each_db
    out = cli.ok(
        "silence",
        "add",
        'alertname="DiskFull"',
        "instance=~db-.*",
        "--duration",
        "2h",
        "--comment",
        "disk swap",
    )
    assert out.strip() == (
        'silence 1 added: alertname="DiskFull", instance=~"db-.*" '
        "until 2026-03-02 11:00:00 UTC (disk swap)"
    )
    cli.send(am_alert("DiskFull", instance="db-1", service="postgres-primary"))
    cli.send(am_alert("DiskFull", instance="web-1", service="postgres-primary"))

    listed = cli.ok("alerts", "list")
    assert lines_with(listed, "firing (muted)", "muted", "—")
    assert lines_with(listed, "firing ", "INC-1")
    muted = [a for a in cli.json("alerts", "list")["items"] if a["muted_by"]]
    assert [a["labels"]["instance"] for a in muted] == ["db-1"]
    shown = cli.ok("alerts", "show", str(muted[0]["id"]))
    assert lines_with(shown, "muted by", "silence 1: disk swap")
    assert lines_with(shown, "decision", "muted")
    assert lines_with(shown, "muted", "muted: silence 1: disk swap")  # in the history

    table = cli.ok("silence", "list")
    [row] = lines_with(table, 'alertname="DiskFull"')
    for cell in (
        "1",
        "active",
        "2026-03-02 09:00:00 UTC",
        "2026-03-02 11:00:00 UTC",
        "admin",
        "disk swap",
    ):
        assert cell in row
    assert cli.ok("silence", "expire", "1").strip() == (
        'silence 1 expired (alertname="DiskFull", instance=~"db-.*")'
    )
    assert cli.ok("silence", "list").strip() == "no active or scheduled silences"
    assert lines_with(cli.ok("silence", "list", "--expired"), "1", "expired", "disk swap")
    assert cli.error("silence", "expire", "1") == "error: silence 1 has already ended"

    cli.send(am_alert("DiskFull", instance="db-9", service="postgres-primary"))
    after = [a for a in cli.json("alerts", "list")["items"] if a["labels"]["instance"] == "db-9"]
    assert after[0]["muted_by"] is None


def test_silence_add_takes_negative_matchers(shared: AlertServer) -> None:
    name = unique("Negative")
    created = shared.json(
        "silence",
        "add",
        f"alertname={name}",
        "env!=staging",
        "job!~test-.*",
        "--duration",
        "1h",
        "--comment",
        "not staging",
    )
    assert created["matchers"] == [f'alertname="{name}"', 'env!="staging"', 'job!~"test-.*"']
    shared.send(
        am_alert(name, instance="a", env="production", job="node"),  # every matcher holds
        am_alert(name, instance="b", env="staging", job="node"),  # != fails
        am_alert(name, instance="c", env="production", job="test-node"),  # !~ fails
    )
    found = [
        a
        for a in shared.json("alerts", "list", "--limit", "200")["items"]
        if a["title"].startswith(name)
    ]
    muted = sorted(a["labels"]["instance"] for a in found if a["muted_by"])
    assert (len(found), muted) == (3, ["a"])
    shared.json("silence", "expire", str(created["id"]))


def test_scheduled_silence_and_until(shared: AlertServer) -> None:
    later = shared.live.clock() + timedelta(hours=3)
    end = shared.live.clock() + timedelta(hours=5)
    name = unique("Scheduled")
    created = shared.json(
        "silence",
        "add",
        f"alertname={name}",
        "--starts",
        later.isoformat(),
        "--until",
        end.isoformat(),
        "--comment",
        "night work",
    )
    assert created["active"] is False
    assert created["matchers"] == [f'alertname="{name}"']
    assert datetime.fromisoformat(created["starts_at"]) == later
    assert datetime.fromisoformat(created["ends_at"]) == end
    out = shared.ok("silence", "list")
    assert lines_with(out, str(created["id"]), "scheduled", when(later), when(end), name)
    assert shared.json("silence", "expire", str(created["id"]))["expired_at"] is not None


def test_json_of_every_silence_and_maintenance_command_parses(shared: AlertServer) -> None:
    created = shared.json(
        "silence", "add", f"alertname={unique('Json')}", "--duration", "30m", "--comment", "json"
    )
    assert created["kind"] == "silence"
    assert created["id"] in [s["id"] for s in shared.json("silence", "list")]
    assert shared.json("silence", "expire", str(created["id"]))["active"] is False
    assert created["id"] in [s["id"] for s in shared.json("silence", "list", "--expired")]

    window = shared.json(
        "maintenance", "add", "search-api", "--duration", "1h", "--comment", "reindex"
    )
    assert (window["kind"], window["service"], window["matchers"]) == (
        "maintenance",
        "search-api",
        [],
    )
    assert window["id"] in [w["id"] for w in shared.json("maintenance", "list")]
    assert shared.json("maintenance", "end", str(window["id"]))["expired_at"] is not None
    assert window["id"] in [w["id"] for w in shared.json("maintenance", "list", "--expired")]
    assert window["id"] not in [s["id"] for s in shared.json("silence", "list", "--expired")]


def test_bad_matcher_is_one_usage_error_naming_it(shared: AlertServer) -> None:
    before = [shared.json(kind, "list", "--expired") for kind in ("silence", "maintenance")]
    result = shared("silence", "add", "alertname~DiskFull", "--duration", "2h", "--comment", "x")
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: MATCHER: invalid matcher 'alertname~DiskFull': use name=\"value\", "
        'name!="value", name=~"regex" or name!~"regex"'
    )
    line = shared.error(
        "maintenance",
        "add",
        "search-api",
        "--matcher",
        'job=~"(("',
        "--duration",
        "1h",
        "--comment",
        "x",
    )
    assert line.startswith("error: --matcher: invalid regular expression '((': ")
    after = [shared.json(kind, "list", "--expired") for kind in ("silence", "maintenance")]
    assert after == before


def test_window_options_are_checked(shared: AlertServer) -> None:
    neither = shared("silence", "add", "a=b", "--comment", "x")
    assert neither.exit_code == 2
    assert error_line(neither) == (
        "error: give either --duration (e.g. 2h) or --until (an ISO 8601 time)"
    )
    both = shared.error(
        "silence",
        "add",
        "a=b",
        "--comment",
        "x",
        "--duration",
        "1h",
        "--until",
        "2026-03-02T12:00:00Z",
    )
    assert both == "error: give either --duration (e.g. 2h) or --until (an ISO 8601 time)"
    assert shared.error("silence", "add", "a=b", "--comment", "x", "--until", "tomorrow") == (
        "error: --until: 'tomorrow' is not an ISO 8601 time like 2026-03-02T09:15:00Z"
    )
    duration = shared.error("silence", "add", "a=b", "--comment", "x", "--duration", "soon")
    assert duration.startswith("error: ") and "soon" in duration, duration
    past = shared.error(
        "silence", "add", "a=b", "--comment", "x", "--until", "2026-03-01T09:00:00Z"
    )
    assert past.startswith("error: ") and "ends_at" in past, past


# --- maintenance windows ------------------------------------------------------------------


def test_maintenance_window_mutes_its_service(server_each_db: AlertServer) -> None:
    cli = server_each_db
    out = cli.ok(
        "maintenance",
        "add",
        "checkout-api",
        "--duration",
        "90m",
        "--comment",
        "db upgrade",
        "--matcher",
        "severity=critical",
    )
    assert out.strip() == (
        'maintenance window 1 added: service checkout-api, severity="critical" '
        "until 2026-03-02 10:30:00 UTC (db upgrade)"
    )
    cli.send(am_alert("Errors", service="checkout-api"))
    cli.send(am_alert("Errors", service="payments-api"))
    items = {a["service"]: a for a in cli.json("alerts", "list")["items"]}
    assert items["checkout-api"]["muted_by"] == "maintenance 1: db upgrade"
    assert items["payments-api"]["muted_by"] is None
    assert lines_with(
        cli.ok("alerts", "show", str(items["checkout-api"]["id"])),
        "muted by",
        "maintenance 1: db upgrade",
    )

    [row] = lines_with(cli.ok("maintenance", "list"), "checkout-api")
    for cell in ("active", 'severity="critical"', "2026-03-02 10:30:00 UTC", "db upgrade"):
        assert cell in row
    assert cli.ok("maintenance", "end", "1").strip() == (
        'maintenance window 1 ended (service checkout-api, severity="critical")'
    )
    assert cli.ok("maintenance", "list").strip() == "no active or scheduled maintenance windows"
    assert cli.error("maintenance", "end", "1").endswith(" 1 has already ended")
    assert cli.error("maintenance", "add", "nope", "--duration", "1h", "--comment", "x") == (
        "error: unknown service 'nope'"
    )


# --- integrations -------------------------------------------------------------------------


def test_integrations_list_shows_counters(shared: AlertServer) -> None:
    before = {i["slug"]: i for i in shared.json("integrations", "list")}
    shared.send(
        am_alert(unique("Counted"), service="search-api"),
        am_alert(unique("Counted"), service="search-api"),
    )
    refused = httpx.post(f"{shared.live.url}/ingest/alertmanager/{KEY}", json={"alerts": 1})
    assert refused.status_code == 400

    after = {i["slug"]: i for i in shared.json("integrations", "list")}
    assert set(after) == {"am", "pd", "hook", "nightly-backup"}
    am = after["am"]
    accepted_before = before["am"]["counters"].get("accepted", 0)
    assert am["counters"]["accepted"] == accepted_before + 2
    assert am["counters"]["malformed"] == before["am"]["counters"].get("malformed", 0) + 1
    assert am["signals"]["opened"] >= 2
    assert am["last_signal_at"] is not None

    out = shared.ok("integrations", "list")
    [row] = lines_with(out, "am ", "alertmanager")
    assert f" {am['counters']['accepted']} " in row
    assert f"malformed {am['counters']['malformed']}" in row
    assert f"opened {am['signals']['opened']}" in row
    [beat] = lines_with(out, "nightly-backup")
    assert "heartbeat" in beat and "platform" in beat and "postgres-primary" in beat


def test_commands_without_a_token_fail_in_one_line(shared: AlertServer) -> None:
    for args in (
        ("alerts", "list"),
        ("silence", "list"),
        ("maintenance", "list"),
        ("integrations", "list"),
    ):
        line = error_line(shared(*args, env={"WARROOM_TOKEN": None}))
        assert line.startswith("error: WARROOM_TOKEN is not set"), line
