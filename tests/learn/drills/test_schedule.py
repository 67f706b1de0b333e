"""Scheduled drills: the weekly slot in the team's time zone, one run per slot (a second
look in the same slot starts nothing), a slot missed by more than the grace is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from tests.learn.drills.helpers import START, get_run
from tests.notify.helpers import PUBLIC_URL, config_text
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.sinks import HttpSink, SmtpSink
from warroom.config.drills import DrillSlot
from warroom.config.hours import Weekday
from warroom.learn.drills.api import runner_of
from warroom.learn.drills.schedule import SLOT_GRACE, DrillScheduler, last_slot

PRAGUE = ZoneInfo("Europe/Prague")
SCHEDULED = """
integrations:
  - slug: am
    kind: alertmanager
    key: am-drill-key-0123456789
drills:
  scenarios:
    - name: tuesday-drill
      team: payments
      kind: alertmanager
      integration: am
      title: PaymentsApiDown
      expect_severity: SEV1
      schedule: {day: tue, at: "10:00"}
"""


def test_the_last_slot_is_this_week_s_once_its_time_has_come() -> None:
    slot = DrillSlot(day=Weekday.TUE, at="10:00")
    tuesday_ten = datetime(2026, 3, 3, 10, 0, tzinfo=PRAGUE)
    assert last_slot(slot, tuesday_ten) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    a_minute_before = tuesday_ten - timedelta(minutes=1)
    assert last_slot(slot, a_minute_before) == datetime(2026, 2, 24, 9, 0, tzinfo=UTC)
    friday = datetime(2026, 3, 6, 8, 0, tzinfo=PRAGUE)
    assert last_slot(slot, friday) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_the_slot_keeps_its_local_time_across_a_daylight_saving_change() -> None:
    slot = DrillSlot(day=Weekday.TUE, at="10:00")
    after_the_change = datetime(2026, 3, 31, 12, 0, tzinfo=PRAGUE)  # CEST, UTC+2
    assert last_slot(slot, after_the_change) == datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    path = tmp_path / "warroom.yaml"
    with SmtpSink() as smtp, HttpSink() as hook:
        path.write_text(config_text(smtp.port, hook.url) + SCHEDULED)
        # A minute before the slot: the app's own scheduler finds nothing due at start.
        clock = FakeClock(START - timedelta(minutes=1))
        with running_app(engine, path, clock, public_url=PUBLIC_URL) as harness:
            yield harness


def tick(app: Harness) -> list[int]:
    scheduler = DrillScheduler(runner_of(app.app), app.app.state.session_factory)
    started: list[int] = app.client.portal.call(scheduler.tick)  # type: ignore[union-attr]
    return started


def test_a_due_slot_runs_once_marked_as_scheduled(app: Harness) -> None:
    app.clock.advance(minutes=6)  # Tuesday 10:05 in Prague
    [run_id] = tick(app)
    run = get_run(app, run_id)
    assert (run["trigger"], run["started_by"]) == ("schedule", None)
    assert run["scheduled_for"] == "2026-03-03T09:00:00Z"
    assert run["status"] == "running"
    app.clock.advance(minutes=5)
    assert tick(app) == []
    app.drain()
    assert app.ok("GET", "/api/v1/incidents/INC-1")["drill"] is True


def test_a_slot_missed_by_more_than_the_grace_is_skipped(app: Harness) -> None:
    app.clock.advance(seconds=(SLOT_GRACE + timedelta(minutes=2)).total_seconds())
    assert tick(app) == []
    assert app.ok("GET", "/api/v1/drills/runs") == []
