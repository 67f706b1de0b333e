"""``warroom audit list`` over real HTTP: an admin reads who changed what."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from click.testing import Result
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, error_line, lines_with, plain, wide_console
from warroom.cli.main import app as cli_app


def audit(server: LiveServer, *args: str, token: str | None = None, width: int = 200) -> Result:
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": token or server.admin_token}
    with wide_console(width):
        return CliRunner().invoke(cli_app, ["audit", "list", *args], env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return plain(result.stdout)


def declare(server: LiveServer, token: str, title: str) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/incidents",
        headers={"Authorization": f"Bearer {token}"},
        json={"title": title, "severity": "SEV2", "team": "payments"},
    )
    assert response.status_code == 201, response.text


def test_the_cli_lists_who_changed_what(server: LiveServer) -> None:
    alice = server.user("alice")
    declare(server, alice, "Checkout returns 503")
    server.clock.advance(minutes=2)
    declare(server, server.admin_token, "Search is slow")
    output = ok(audit(server))
    [first] = lines_with(output, "created incident INC-1 (Checkout returns 503)")
    assert "alice" in first
    assert "2026-03-02 09:00" in first
    assert f"token:{alice[:9]}" in first
    [second] = lines_with(output, "created incident INC-2 (Search is slow)")
    assert "admin" in second
    assert "2026-03-02 09:02" in second
    assert output.index("INC-2") < output.index("INC-1")


def test_the_cli_filters_and_prints_json(server: LiveServer) -> None:
    alice = server.user("alice")
    declare(server, alice, "Checkout returns 503")
    declare(server, server.admin_token, "Search is slow")
    page: dict[str, Any] = orjson.loads(
        ok(audit(server, "--actor", "alice", "--type", "incident", "--json"))
    )
    assert [(e["actor"], e["object_id"]) for e in page["items"]] == [("alice", "INC-1")]
    by_ref = orjson.loads(ok(audit(server, "--type", "incident", "--id", "2", "--json")))
    assert [e["object_id"] for e in by_ref["items"]] == ["INC-2"]
    paged = ok(audit(server, "--type", "incident", "--limit", "1"))
    assert "older entries: --cursor " in paged


def test_the_table_fits_80_columns(server: LiveServer) -> None:
    declare(server, server.user("alice"), "Checkout returns 503 for every customer in the EU")
    output = ok(audit(server, width=80))
    assert all(len(line) <= 80 for line in output.splitlines()), output
    participant, incident = lines_with(output, "2026-03-02 09:00", "alice", "created incident")
    assert "created incident INC-1 (Checkout returns 503 for" in incident
    assert "created incident_participant" in participant
    assert "token:" not in output  # how and from where only in a wide terminal


def test_a_responder_gets_one_line_saying_it_needs_an_admin(server: LiveServer) -> None:
    line = error_line(audit(server, token=server.user("bob")))
    assert line == "error: bob is a responder; this needs an admin"


def test_an_empty_log_says_so(server: LiveServer) -> None:
    assert ok(audit(server, "--actor", "nobody")).strip() == "no audit entries"
