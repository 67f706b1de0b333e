"""Action items: created on an incident with an owner, a team, a due date, a priority and
a kind; vague ones get a nudge; owners are reminded before the due date and while overdue;
each team gets a weekly digest; a factor that recurs while its items are open raises an
alert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.incidents.helpers import INCIDENTS, TEST_CONFIG, act, error_of
from tests.notify.helpers import deliveries
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from warroom.notify.models import Purpose

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Prague
ITEMS = "/api/v1/action-items"
PEOPLE = """
people:
  - username: alice
    name: Alice Novak
    contacts:
      - {kind: email, target: alice@example.com}
"""


@pytest.fixture
def app(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    path = tmp_path / "warroom.yaml"
    path.write_text(TEST_CONFIG.read_text() + PEOPLE)
    with running_app(engine, path, FakeClock(NINE)) as harness:
        harness.user("alice")
        yield harness


def item(api: Harness, ref: str = "INC-1", **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Alert when the PSP pool is 80% used for 5m",
        "team": "payments",
        "due_on": "2026-03-09",
        "kind": "detect",
        "priority": "high",
        "owner": "alice",
    }
    body.update(fields)
    made: dict[str, Any] = api.ok("POST", f"{INCIDENTS}/{ref}/action-items", json=body)
    return made


def test_an_item_records_every_field_and_a_measurable_one_gets_no_nudge(app: Harness) -> None:
    app.declare()
    made = item(app, description="Page payments on-call.")
    assert made["incident"] == "INC-1"
    assert made["title"] == "Alert when the PSP pool is 80% used for 5m"
    assert made["owner"]["username"] == "alice"
    assert (made["team"], made["due_on"], made["kind"], made["priority"]) == (
        "payments",
        "2026-03-09",
        "detect",
        "high",
    )
    assert made["status"] == "open"
    assert made["overdue"] is False
    assert made["nudge"] is None
    assert app.ok("GET", f"{ITEMS}/{made['id']}") == made


@pytest.mark.parametrize(
    "title", ["Improve monitoring", "Look into the PSP timeouts", "Make deploys more robust"]
)
def test_a_vague_item_is_kept_with_a_nudge(app: Harness, title: str) -> None:
    app.declare()
    made = item(app, title=title)
    assert made["nudge"] is not None
    assert "measurable outcome" in made["nudge"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"due_on": "2026-03-01"}, "due_on"),
        ({"team": "nobody"}, "team"),
        ({"owner": "ghost"}, "owner"),
        ({"kind": "hope"}, "kind"),
        ({"priority": "p0"}, "priority"),
        ({"title": "  "}, "title"),
        ({"factor_id": 99}, "factor_id"),
    ],
)
def test_a_bad_item_answers_422_naming_the_field_and_writes_nothing(
    app: Harness, fields: dict[str, Any], field: str
) -> None:
    app.declare()
    body = {
        "title": "Add a runbook step",
        "team": "payments",
        "due_on": "2026-03-09",
        "kind": "process",
    }
    body.update(fields)
    response = app.post(f"{INCIDENTS}/INC-1/action-items", json=body)
    assert error_of(response, 422)["field"] == field
    assert app.ok("GET", ITEMS) == []


def test_complete_reopen_cancel_and_the_overdue_filter(app: Harness) -> None:
    app.declare()
    first = item(app)
    second = item(app, title="Add a runbook step for PSP failover", due_on="2026-03-03")
    done = app.ok("POST", f"{ITEMS}/{first['id']}/complete")
    assert done["status"] == "done"
    assert done["completed_at"] == "2026-03-02T09:00:00Z"
    app.clock.advance(days=2)
    overdue = app.ok("GET", ITEMS, params={"overdue": True})
    assert [i["id"] for i in overdue] == [second["id"]]
    assert overdue[0]["overdue"] is True
    reopened = app.ok("POST", f"{ITEMS}/{first['id']}/reopen")
    assert (reopened["status"], reopened["completed_at"]) == ("open", None)
    cancelled = app.ok("POST", f"{ITEMS}/{second['id']}/cancel")
    assert cancelled["status"] == "cancelled"
    assert [i["id"] for i in app.ok("GET", ITEMS, params={"status": "open"})] == [first["id"]]
    changed = app.ok("PATCH", f"{ITEMS}/{first['id']}", json={"owner": "", "priority": "low"})
    assert (changed["owner"], changed["priority"]) == (None, "low")


def _reminders(app: Harness) -> list[tuple[str, str]]:
    return [
        (d.target, d.payload["subject"])
        for d in deliveries(app, purpose=Purpose.REMINDER)
        if d.payload.get("kind") == "action_item"
    ]


def test_the_owner_is_reminded_before_the_due_date_and_while_overdue(app: Harness) -> None:
    app.declare()
    made = item(app)  # due Monday 2026-03-09 (Prague)
    title = made["title"]
    app.clock.advance(days=4, hours=13)  # Friday 23:00 Prague: not yet two days before
    app.drain()
    assert _reminders(app) == []
    app.clock.advance(hours=2)  # Saturday 00:00 Prague (two days before the due day)
    app.drain()
    assert _reminders(app) == [("alice@example.com", f"Action item due 2026-03-09: {title}")]
    app.clock.advance(days=3)  # Tuesday 01:00 Prague: overdue since midnight
    app.drain()
    assert _reminders(app)[1:] == [("alice@example.com", f"Overdue action item (1d): {title}")]
    app.clock.advance(days=7)
    app.drain()
    assert _reminders(app)[2:] == [("alice@example.com", f"Overdue action item (8d): {title}")]
    app.ok("POST", f"{ITEMS}/{made['id']}/complete")
    app.clock.advance(days=7)
    app.drain()
    assert len(_reminders(app)) == 3


def test_moving_the_due_date_moves_the_reminders(app: Harness) -> None:
    app.declare()
    made = item(app)
    app.ok("PATCH", f"{ITEMS}/{made['id']}", json={"due_on": "2026-03-20"})
    app.clock.advance(days=8)  # past the first due date
    app.drain()
    assert _reminders(app) == []


def test_each_team_gets_one_weekly_digest_of_its_open_and_overdue_items(app: Harness) -> None:
    app.declare()
    item(app, title="Add a runbook step for PSP failover", due_on="2026-03-03")
    item(app)
    app.clock.advance(days=7)  # next Monday 09:00 UTC = 10:00 Prague, after the 09:00 digest
    app.drain()
    app.clock.advance(minutes=30)
    app.drain()
    [digest] = [d for d in deliveries(app) if d.payload.get("kind") == "action_item_digest"]
    assert digest.target == "payments@example.com"
    assert digest.payload["subject"] == "[Payments] Action items: 1 overdue, 1 open"
    assert "Overdue (1):" in digest.payload["text"]
    assert "overdue by 6d" in digest.payload["text"]


def _factor(app: Harness, ref: str, **fields: Any) -> dict[str, Any]:
    body = {"category": "capacity", "description": "PSP pool too small", "service": "payments-api"}
    body.update(fields)
    made: dict[str, Any] = app.ok("POST", f"{INCIDENTS}/{ref}/postmortem/factors", json=body)
    return made


def test_a_factor_that_recurs_while_its_action_item_is_open_raises_an_alert(app: Harness) -> None:
    app.declare(title="PSP timeouts")
    act(app, "resolve")
    app.ok("POST", f"{INCIDENTS}/INC-1/postmortem")
    first = _factor(app, "INC-1", tags=["db-pool"])
    open_item = item(app, factor_id=first["id"])
    app.clock.advance(days=10)
    app.declare(title="PSP timeouts again")
    app.ok("POST", f"{INCIDENTS}/INC-2/postmortem")
    unrelated = _factor(app, "INC-2", category="process-gap", description="no runbook")
    assert (unrelated["recurs_in"], unrelated["open_action_items"]) == ([], [])
    again = _factor(app, "INC-2", tags=["db-pool", "psp"])
    assert again["recurs_in"] == ["INC-1"]
    assert again["open_action_items"] == [open_item["id"]]
    app.drain()
    alerts = app.ok("GET", "/api/v1/alerts")["items"]
    [alert] = [a for a in alerts if a["labels"].get("alertname") == "RecurringContributingFactor"]
    assert alert["labels"]["category"] == "capacity"
    assert alert["labels"]["service"] == "payments-api"
    assert alert["team"] == "payments"
    assert f"action item #{open_item['id']} (INC-1)" in alert["description"]


def test_a_recurring_factor_whose_items_are_done_raises_nothing(app: Harness) -> None:
    app.declare()
    app.ok("POST", f"{INCIDENTS}/INC-1/postmortem")
    first = _factor(app, "INC-1")
    done = item(app, factor_id=first["id"])
    app.ok("POST", f"{ITEMS}/{done['id']}/complete")
    app.declare(title="Again")
    app.ok("POST", f"{INCIDENTS}/INC-2/postmortem")
    again = _factor(app, "INC-2")
    assert (again["recurs_in"], again["open_action_items"]) == (["INC-1"], [])
    app.drain()
    alerts = app.ok("GET", "/api/v1/alerts")["items"]
    assert [
        a for a in alerts if a["labels"].get("alertname") == "RecurringContributingFactor"
    ] == []
    recurring = app.ok("GET", "/api/v1/postmortems/recurring-factors")
    assert recurring == [
        {
            "category": "capacity",
            "service": "payments-api",
            "tags": [],
            "incidents": ["INC-1", "INC-2"],
            "action_items_done": 1,
            "action_items_open": 0,
        }
    ]
