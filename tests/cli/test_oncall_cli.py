"""``warroom oncall`` over real HTTP against a live server with schedules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.cli.harness import LiveServer, error_line, lines_with, live_server, plain, wide_console
from tests.schedules.schedule_setup import CONFIG, MONDAY
from tests.support.clock import FakeClock
from warroom.auth.models import UserRole
from warroom.cli.main import app as cli_app
from warroom.config import LiveConfig


@dataclass
class OnCallCli:
    url: str
    token: str | None

    def __call__(self, *args: str) -> Result:
        env: dict[str, str | None] = {
            "WARROOM_URL": self.url,
            "WARROOM_TOKEN": self.token,
            "WARROOM_TIMEOUT": None,
        }
        with wide_console():
            return CliRunner().invoke(cli_app, ["oncall", *args], env=env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return plain(result.stdout)

    def json(self, *args: str) -> Any:
        return orjson.loads(self.ok(*args, "--json"))


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "warroom.yaml"
    path.write_text(CONFIG)
    live = LiveConfig(path)
    with live_server(engine, FakeClock(MONDAY)) as running:
        running.app.state.live_config = live
        running.app.state.worker.live_config = live
        yield running


@pytest.fixture
def cli(server: LiveServer) -> OnCallCli:
    return OnCallCli(server.url, server.admin_token)


def test_now_shows_who_is_on_call_and_until_when_in_the_schedule_zone(cli: OnCallCli) -> None:
    out = cli.ok("now")
    [primary] = lines_with(out, "pay-primary")
    assert "Alice Novak (alice)" in primary
    assert "Mon 2026-03-09 09:00" in primary  # the hand-off, in Prague time
    [business] = lines_with(out, "pay-business")
    assert "Carol Lead (carol)" in business and "17:00" in business


def test_now_at_a_time_for_a_team_shows_gaps(cli: OnCallCli) -> None:
    out = cli.ok("now", "--team", "payments", "--at", "2026-03-07T12:00:00Z")
    assert "checkout" not in out
    [business] = lines_with(out, "pay-business")
    assert "nobody (gap)" in business
    entries = cli.json("now", "--team", "payments", "--at", "2026-03-07T12:00:00Z")
    assert [e["schedule"] for e in entries] == ["pay-primary", "pay-backup", "pay-business"]
    assert entries[2]["on_call"] == []


def test_show_lists_shifts_in_the_schedule_zone(cli: OnCallCli) -> None:
    out = cli.ok(
        "show", "pay-primary", "--from", "2026-03-23T08:00:00Z", "--to", "2026-04-06T07:00:00Z"
    )
    assert "(Europe/Prague)" in out
    [bob] = lines_with(out, "Bob Smith (bob)")
    # Both hand-offs at 09:00 Prague, across the spring change.
    assert "Mon 2026-03-23 09:00" in bob and "Mon 2026-03-30 09:00" in bob and "weekly" in bob
    shifts = cli.json("show", "pay-primary", "--from", "2026-03-23T08:00:00Z")
    assert shifts["end"] == "2026-03-30T08:00:00Z"  # a week by default


def test_override_add_list_cancel(cli: OnCallCli) -> None:
    out = cli.ok(
        "override", "add", "pay-primary",
        "--user", "carol", "--replaces", "alice",
        "--from", "2026-03-03T08:00:00Z", "--to", "2026-03-04T08:00:00Z",
        "--reason", "alice travels",
    )  # fmt: skip
    assert out.strip() == (
        "override #1: carol covers alice on pay-primary from Tue 2026-03-03 08:00 "
        "to Wed 2026-03-04 08:00 UTC"
    )
    at = "2026-03-03T12:00:00Z"
    assert cli.json("now", "--at", at)[0]["on_call"][0]["username"] == "carol"
    [row] = lines_with(cli.ok("override", "list", "pay-primary"), "alice travels")
    assert "carol" in row and "alice" in row
    assert cli.ok("override", "cancel", "pay-primary", "1").strip() == "override #1 cancelled"
    assert cli.ok("override", "list", "pay-primary").strip() == "no overrides on pay-primary"
    assert [o["id"] for o in cli.json("override", "list", "pay-primary", "--cancelled")] == [1]
    assert cli.json("now", "--at", at)[0]["on_call"][0]["username"] == "alice"
    shown = cli.ok("show", "pay-primary", "--from", "2026-03-03T00:00:00Z", "--to", at)
    assert "override" not in shown


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("show", "nope"), "no schedule 'nope'"),
        (("show", "pay-primary", "--from", "2026-03-10T00:00Z", "--to", "2026-03-01T00:00Z"), "to"),
        (("show", "pay-primary", "--from", "yesterday"), "--from"),
        (
            ("override", "add", "pay-primary", "--user", "zed",
             "--from", "2026-03-03T08:00Z", "--to", "2026-03-04T08:00Z"),
            "unknown person 'zed'",
        ),
        (("override", "cancel", "pay-primary", "42"), "no override 42"),
        (("now", "--team", "nope"), "unknown team 'nope'"),
    ],
    ids=[
        "unknown-schedule", "reversed-range", "bad-time",
        "unknown-user", "unknown-override", "unknown-team",
    ],
)  # fmt: skip
def test_errors_are_one_line(cli: OnCallCli, args: tuple[str, ...], expected: str) -> None:
    assert expected in error_line(cli(*args))


def test_viewers_cannot_add_overrides(server: LiveServer) -> None:
    viewer = OnCallCli(server.url, server.user("vera", UserRole.VIEWER))
    assert "Alice Novak" in viewer.ok("now")
    result = viewer(
        "override", "add", "pay-primary", "--user", "carol",
        "--from", "2026-03-03T08:00Z", "--to", "2026-03-04T08:00Z",
    )  # fmt: skip
    assert "viewer" in error_line(result)
