"""Cron monitors on both databases: check-ins create and update monitors; error, timeout and
missed runs raise alerts through the signal pipeline (owned by the project's team), and
good check-ins resolve them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.errors.health_support import check_in, send_items
from tests.errors.support import envelope, error_app, post_envelope, session_of
from tests.support.api import Harness

from warroom.ingest.sentry.models import ErrorItem, ItemOutcome

MONITORS = "/api/v1/projects/api/monitors"
EVERY_TEN = {"schedule": {"type": "interval", "value": 10, "unit": "minute"}, "checkin_margin": 2}


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def monitor(api: Harness, slug: str) -> dict[str, Any]:
    found = {m["slug"]: m for m in api.ok("GET", MONITORS)}
    return dict(found[slug])


def alerts(api: Harness) -> list[dict[str, Any]]:
    return list(api.ok("GET", "/api/v1/alerts")["items"])


def only_alert(api: Harness) -> dict[str, Any]:
    (alert,) = alerts(api)
    return alert


def test_the_captured_check_ins_create_the_monitor_and_close_the_run(api: Harness) -> None:
    for name in ("envelope_checkin_in_progress.txt", "envelope_checkin_ok.txt"):
        assert post_envelope(api, envelope(name)).status_code == 200
    api.drain()
    found = monitor(api, "nightly-job")
    assert found["schedule"] == "crontab '0 0 * * *' (UTC)"
    assert (found["checkin_margin"], found["max_runtime"]) == (5, 30)
    assert (found["state"], found["environment"]) == ("ok", "staging")
    assert found["expected_at"].startswith("2026-03-03T00:00:00")
    assert found["deadline_at"].startswith("2026-03-03T00:05:00")
    (run,) = found["check_ins"]
    assert (run["check_in_id"], run["status"]) == ("5703af5e03044418901034434119652d", "ok")
    assert run["duration"] == pytest.approx(0.1004, abs=1e-3)
    assert alerts(api) == []


def test_an_error_check_in_alerts_at_once_and_an_ok_one_resolves(api: Harness) -> None:
    send_items(api, check_in("backup", "error", config=EVERY_TEN))
    api.drain()
    alert = only_alert(api)
    assert alert["status"] == "firing"
    assert alert["title"] == "Cron monitor backup of project api reported an error"
    assert (alert["team"], alert["integration"], alert["source"]) == (
        "payments",
        "crons:api",
        "cron",
    )
    assert alert["labels"]["monitor"] == "backup"
    assert monitor(api, "backup")["state"] == "failing"
    api.clock.advance(minutes=5)
    send_items(api, check_in("backup", "ok"))
    api.drain()
    assert only_alert(api)["status"] == "resolved"
    assert monitor(api, "backup")["state"] == "ok"


def test_a_run_in_progress_past_max_runtime_times_out(api: Harness) -> None:
    config = {**EVERY_TEN, "max_runtime": 3}
    run = uuid.uuid4().hex
    send_items(api, check_in("report", "in_progress", run, config))
    api.drain()
    api.clock.advance(minutes=2)
    api.drain()
    assert alerts(api) == []
    api.clock.advance(minutes=2)
    api.drain()
    alert = only_alert(api)
    assert alert["title"] == "Cron monitor report of project api timed out"
    assert "max_runtime" in alert["description"]
    send_items(api, check_in("report", "ok", run))  # too late: the run stays timed out
    api.drain()
    assert only_alert(api)["status"] == "firing"
    assert monitor(api, "report")["check_ins"][0]["status"] == "timeout"
    send_items(api, check_in("report", "ok"))
    api.drain()
    assert only_alert(api)["status"] == "resolved"


def test_a_run_closed_in_time_does_not_time_out(api: Harness) -> None:
    run = uuid.uuid4().hex
    send_items(api, check_in("report", "in_progress", run, {**EVERY_TEN, "max_runtime": 3}))
    api.clock.advance(minutes=1)
    send_items(api, check_in("report", "ok", run))
    api.drain()
    api.clock.advance(minutes=5)
    api.drain()
    assert alerts(api) == []
    assert [r["status"] for r in monitor(api, "report")["check_ins"]] == ["ok"]


def test_a_missed_check_in_alerts_after_the_margin_and_recovery_resolves(api: Harness) -> None:
    send_items(api, check_in("sync", "ok", config=EVERY_TEN))
    api.drain()
    api.clock.advance(minutes=11)
    api.drain()
    assert alerts(api) == []  # within the margin
    api.clock.advance(minutes=1, seconds=1)
    api.drain()
    alert = only_alert(api)
    assert alert["title"] == "Cron monitor sync of project api missed a check-in"
    assert alert["status"] == "firing"
    api.clock.advance(minutes=12)  # the next run is missed too: still one alert
    api.drain()
    assert len(alerts(api)) == 1
    statuses = [r["status"] for r in monitor(api, "sync")["check_ins"]]
    assert statuses == ["missed", "missed", "ok"]
    send_items(api, check_in("sync", "ok"))
    api.drain()
    assert only_alert(api)["status"] == "resolved"


def test_thresholds_need_failures_and_successes_in_a_row(api: Harness) -> None:
    config = {**EVERY_TEN, "failure_issue_threshold": 2, "recovery_threshold": 2}
    send_items(api, check_in("etl", "error", config=config))
    api.drain()
    assert alerts(api) == []
    send_items(api, check_in("etl", "error"))
    api.drain()
    assert only_alert(api)["status"] == "firing"
    send_items(api, check_in("etl", "ok"))
    api.drain()
    assert only_alert(api)["status"] == "firing"
    send_items(api, check_in("etl", "ok"))
    api.drain()
    assert only_alert(api)["status"] == "resolved"


def test_an_upserted_monitor_config_changes_the_schedule(api: Harness) -> None:
    send_items(api, check_in("sync", "ok", config=EVERY_TEN))
    api.drain()
    hourly = {"schedule": {"type": "interval", "value": 1, "unit": "hour"}, "checkin_margin": 5}
    send_items(api, check_in("sync", "ok", config=hourly))
    api.drain()
    found = monitor(api, "sync")
    assert (found["schedule"], found["checkin_margin"]) == ("every 1 hour", 5)
    assert found["deadline_at"].startswith("2026-03-02T10:05:00")
    api.clock.advance(minutes=30)
    api.drain()
    assert alerts(api) == []  # the ten-minute deadline no longer holds
    api.clock.advance(minutes=36)
    api.drain()
    assert only_alert(api)["title"].endswith("missed a check-in")


def test_crontab_schedules_follow_their_time_zone(api: Harness) -> None:
    config = {"schedule": {"type": "crontab", "value": "@daily"}, "timezone": "Europe/Vienna"}
    send_items(api, check_in("nightly", "ok", config=config))
    api.drain()
    found = monitor(api, "nightly")
    assert found["schedule"] == "crontab '0 0 * * *' (Europe/Vienna)"
    assert found["expected_at"].startswith("2026-03-02T23:00:00")  # midnight in Vienna


def test_monthly_intervals_step_by_calendar_months(api: Harness) -> None:
    config = {"schedule": {"type": "interval", "value": 1, "unit": "month"}}
    send_items(api, check_in("invoices", "ok", config=config))
    api.drain()
    found = monitor(api, "invoices")
    assert (found["schedule"], found["expected_at"][:19]) == (
        "every 1 month",
        "2026-04-02T09:00:00",
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"monitor_slug": "x", "status": "ok"}, "monitor 'x' is unknown and the check-in has no"),
        ({"status": "ok"}, "monitor_slug is required"),
        ({"monitor_slug": "x", "status": "done"}, "status 'done' is not"),
        ({"monitor_slug": "x", "status": "ok", "monitor_config": {}}, "schedule is required"),
        (
            {
                "monitor_slug": "x",
                "status": "ok",
                "monitor_config": {"schedule": {"type": "crontab", "value": "0 0 *"}},
            },
            "monitor_config.schedule.value '0 0 *'",
        ),
        (
            {
                "monitor_slug": "x",
                "status": "ok",
                "monitor_config": {
                    "schedule": {"type": "interval", "value": 1, "unit": "fortnight"}
                },
            },
            "monitor_config.schedule.unit",
        ),
        (
            {
                "monitor_slug": "x",
                "status": "ok",
                "monitor_config": {**EVERY_TEN, "timezone": "Mars/Olympus"},
            },
            "monitor_config.timezone 'Mars/Olympus'",
        ),
        (
            {
                "monitor_slug": "x",
                "status": "ok",
                "monitor_config": {**EVERY_TEN, "max_runtime": 0},
            },
            "monitor_config.max_runtime",
        ),
        ({"monitor_slug": "x", "status": "ok", "duration": "long"}, "duration"),
    ],
)
def test_bad_check_ins_are_invalid_with_the_field(
    api: Harness, payload: dict[str, Any], reason: str
) -> None:
    send_items(api, ("check_in", payload))
    api.drain()
    with session_of(api.engine) as session:
        item = session.scalar(select(ErrorItem))
        assert item is not None
        assert item.outcome is ItemOutcome.INVALID
        assert item.reason is not None and reason in item.reason, item.reason
