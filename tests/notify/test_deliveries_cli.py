"""``warroom deliveries list|show|retry`` over real HTTP against a live server whose worker
(drained by the test) sends to a real webhook receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, error_line, live_server, plain, wide_console
from tests.notify.helpers import config_text
from tests.support.sinks import HttpSink, SmtpSink
from warroom.cli.main import app as cli_app
from warroom.config import LiveConfig
from warroom.db.engine import make_session_factory
from warroom.notify.models import Channel, Delivery, DeliveryStatus


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpSink]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as sink:
        yield sink


@pytest.fixture
def server(engine: Engine, tmp_path: Path, hook: HttpSink) -> Iterator[LiveServer]:
    with SmtpSink() as smtp:
        path = tmp_path / "warroom.yaml"
        path.write_text(config_text(smtp.port, hook.url))
        live = LiveConfig(path)
        with live_server(engine) as running:
            running.app.state.live_config = live
            running.app.state.worker.live_config = live
            yield running


def deliveries(cli: LiveServer, *args: str) -> Result:
    env: dict[str, str | None] = {
        "WARROOM_URL": cli.url,
        "WARROOM_TOKEN": cli.admin_token,
        # Longer than SQLite's 10 s write-lock wait: a stuck lock then fails with the
        # server's own "database is locked" answer instead of a bare client timeout.
        "WARROOM_TIMEOUT": "30",
    }
    with wide_console():
        return CliRunner().invoke(cli_app, ["deliveries", *args], env=env)


def ok(server: LiveServer, *args: str) -> str:
    result = deliveries(server, *args)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return plain(result.stdout)


def as_json(server: LiveServer, *args: str) -> Any:
    return orjson.loads(ok(server, *args, "--json"))


def declare(server: LiveServer, title: str, team: str) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/incidents",
        json={"title": title, "severity": "SEV3", "team": team},
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=30,  # httpx's 5 s default is short on a CI machine running suites in parallel
    )
    assert response.status_code == 201, response.text


def webhook(server: LiveServer) -> Delivery | None:
    with make_session_factory(server.engine)() as session:
        return session.scalar(
            select(Delivery).where(Delivery.channel == Channel.WEBHOOK).order_by(Delivery.id)
        )


def drain(server: LiveServer) -> None:
    """The live test server runs no worker thread: run it here until idle."""
    server.app.state.worker.drain()


def test_a_dead_letter_is_listed_and_retried_from_the_cli(
    server: LiveServer, hook: HttpSink
) -> None:
    hook.status = 404
    declare(server, "Slow search", "search")
    drain(server)
    row = webhook(server)
    assert row is not None and row.status is DeliveryStatus.DEAD

    failed = as_json(server, "list", "--failed")
    assert [(item["id"], item["status"]) for item in failed["items"]] == [(row.id, "dead")]
    human = ok(server, "list", "--failed")
    assert "Dead letters" in human and hook.url in human and "HTTP 404" in human
    assert "HTTP 404" in ok(server, "show", str(row.id))

    hook.status = 200
    assert f"delivery {row.id} queued again" in ok(server, "retry", str(row.id))
    drain(server)
    assert len(hook.received()) == 1
    delivered = webhook(server)
    assert delivered is not None and delivered.status is DeliveryStatus.DELIVERED
    assert as_json(server, "list", "--failed")["items"] == []

    again = deliveries(server, "retry", str(row.id))
    assert again.exit_code != 0
    assert "only dead or cancelled" in error_line(again)


def test_listing_one_incident_shows_only_its_deliveries(server: LiveServer, hook: HttpSink) -> None:
    declare(server, "Slow search", "search")
    declare(server, "Card payments failing", "payments")
    drain(server)
    assert len(hook.received()) == 2

    first = as_json(server, "list", "--incident", "INC-1")
    assert first["items"] and {item["incident"] for item in first["items"]} == {"INC-1"}
    unknown = deliveries(server, "list", "--incident", "INC-9")
    assert unknown.exit_code != 0
