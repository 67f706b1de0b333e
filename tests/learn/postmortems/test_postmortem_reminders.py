"""The reviewer of a required postmortem is reminded through the outbox before it is due and
while it is overdue; publishing (or a new due time) stops the old reminders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.incidents.helpers import INCIDENTS, TEST_CONFIG, act
from tests.notify.helpers import deliveries
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from warroom.notify.models import Purpose

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
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


def _reminders(app: Harness) -> list[tuple[str, str]]:
    return [
        (d.target, d.payload["subject"])
        for d in deliveries(app, purpose=Purpose.REMINDER)
        if d.payload.get("kind") == "postmortem"
    ]


def _resolved_with_alice_as_lead(app: Harness) -> tuple[str, datetime, str]:
    """The ref, the postmortem's due time and its title."""
    ref: str = app.declare(severity="SEV1")["ref"]
    app.ok("POST", f"{INCIDENTS}/{ref}/roles", json={"role": "lead", "user": "alice"})
    act(app, "resolve", ref)
    app.drain()
    body = app.ok("GET", f"{INCIDENTS}/{ref}/postmortem")
    assert body["reviewer"]["username"] == "alice"
    return ref, datetime.fromisoformat(body["due_at"]), body["title"]


def _advance_to(app: Harness, moment: datetime) -> None:
    app.clock.advance(seconds=(moment - app.clock()).total_seconds())
    app.drain()


def test_the_reviewer_is_reminded_before_the_due_date_and_while_overdue(app: Harness) -> None:
    ref, due, title = _resolved_with_alice_as_lead(app)
    stamp = due.astimezone(UTC).isoformat()[:16].replace("T", " ")
    _advance_to(app, due - timedelta(days=2, minutes=1))  # remind_before is two days
    assert _reminders(app) == []
    _advance_to(app, due - timedelta(days=2))
    assert _reminders(app) == [("alice@example.com", f"Postmortem due {stamp} UTC: {title}")]
    _advance_to(app, due - timedelta(seconds=1))
    assert len(_reminders(app)) == 1
    _advance_to(app, due + timedelta(days=1))
    assert _reminders(app)[1:] == [("alice@example.com", f"Overdue postmortem (1d): {title}")]
    _advance_to(app, due + timedelta(days=8))  # overdue_every is seven days
    assert _reminders(app)[2:] == [("alice@example.com", f"Overdue postmortem (8d): {title}")]

    app.ok("POST", f"{INCIDENTS}/{ref}/postmortem/publish")
    _advance_to(app, due + timedelta(days=16))  # past the next one (15d)
    assert len(_reminders(app)) == 3


def test_a_waived_postmortem_reminds_nobody(app: Harness) -> None:
    ref, due, _title = _resolved_with_alice_as_lead(app)
    closed = act(app, "close", ref, json={"override_postmortem": "duplicate of INC-7"})
    assert closed["status"] == "closed"
    _advance_to(app, due + timedelta(days=10))
    assert _reminders(app) == []


def test_a_postmortem_nobody_must_write_gets_no_reminders(app: Harness) -> None:
    ref: str = app.declare(severity="SEV3")["ref"]
    app.ok("POST", f"{INCIDENTS}/{ref}/roles", json={"role": "lead", "user": "alice"})
    act(app, "resolve", ref)
    app.drain()
    _advance_to(app, NINE + timedelta(days=40))
    assert _reminders(app) == []
