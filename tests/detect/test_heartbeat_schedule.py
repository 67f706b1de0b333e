"""When the next beat is expected: intervals, and cron schedules in an IANA zone across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.detect.conftest import NIGHTLY_KEY, REPORT_KEY, AppAt, alerts, ping
from warroom.config import HeartbeatSpec
from warroom.ingest.heartbeat import deadline_after, expected_after, next_expected


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def spec(**fields: Any) -> HeartbeatSpec:
    return HeartbeatSpec.model_validate(fields)


PRAGUE_0230 = spec(cron="30 2 * * *", timezone="Europe/Prague", grace="15m")
PRAGUE_0300 = spec(cron="0 3 * * *", timezone="Europe/Prague", grace="30m")


def test_interval_is_counted_from_the_beat() -> None:
    hourly = spec(interval="1h", grace="10m")
    assert next_expected(hourly, utc("2026-03-02T09:17:42")) == utc("2026-03-02T10:17:42")
    assert deadline_after(hourly, utc("2026-03-02T09:17:42")) == (
        utc("2026-03-02T10:17:42"),
        utc("2026-03-02T10:27:42"),
    )
    # Intervals are elapsed time: a DST change in between does not matter.
    assert next_expected(hourly, utc("2026-03-29T00:30:00")) == utc("2026-03-29T01:30:00")


def test_cron_default_zone_is_utc() -> None:
    nightly = spec(cron="0 3 * * *")
    assert next_expected(nightly, utc("2026-03-02T09:00:00")) == utc("2026-03-03T03:00:00")
    assert next_expected(nightly, utc("2026-03-03T03:00:00")) == utc("2026-03-04T03:00:00")


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 02:30 CET on the Saturday before the change.
        ("2026-03-27T12:00:00", "2026-03-28T01:30:00"),
        # Sunday 29 March 2026: clocks jump 02:00 CET → 03:00 CEST, 02:30 never happens;
        # the run happens when the clocks resume, at 03:00 CEST = 01:00 UTC.
        ("2026-03-28T12:00:00", "2026-03-29T01:00:00"),
        ("2026-03-29T00:59:00", "2026-03-29T01:00:00"),
        # Monday: 02:30 CEST = 00:30 UTC.
        ("2026-03-29T01:00:00", "2026-03-30T00:30:00"),
    ],
)
def test_cron_across_spring_forward(after: str, expected: str) -> None:
    assert next_expected(PRAGUE_0230, utc(after)) == utc(expected)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 03:00 CEST on the Saturday before the change.
        ("2026-10-23T12:00:00", "2026-10-24T01:00:00"),
        # Sunday 25 October 2026: clocks fall back 03:00 CEST → 02:00 CET; 03:00 happens
        # once, in CET = 02:00 UTC (an hour later in UTC than the day before).
        ("2026-10-24T12:00:00", "2026-10-25T02:00:00"),
        ("2026-10-25T00:30:00", "2026-10-25T02:00:00"),  # 02:30 CEST, first pass
        ("2026-10-25T01:30:00", "2026-10-25T02:00:00"),  # 02:30 CET, second pass
        ("2026-10-25T02:00:00", "2026-10-26T02:00:00"),
    ],
)
def test_cron_across_fall_back(after: str, expected: str) -> None:
    assert next_expected(PRAGUE_0300, utc(after)) == utc(expected)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 02:30 exists twice on 25 October; the job runs once, at the first (CEST) one.
        ("2026-10-24T12:00:00", "2026-10-25T00:30:00"),
        # From inside the repeated hour (02:10 CET, after the CEST 02:30 ran) the next run
        # is the next day's, never the 02:30 CEST that lies in the past.
        ("2026-10-25T01:10:00", "2026-10-26T01:30:00"),
        ("2026-10-25T00:40:00", "2026-10-26T01:30:00"),
    ],
)
def test_cron_in_the_repeated_hour_runs_once(after: str, expected: str) -> None:
    assert next_expected(PRAGUE_0230, utc(after)) == utc(expected)


def test_cron_every_half_hour_runs_in_both_passes_of_the_repeated_hour() -> None:
    half_hourly = spec(cron="*/30 * * * *", timezone="Europe/Prague", grace="1m")
    moments = [utc("2026-10-25T00:10:00")]
    for _ in range(5):
        moments.append(next_expected(half_hourly, moments[-1]))
    assert moments[1:] == [
        utc("2026-10-25T00:30:00"),  # 02:30 CEST
        utc("2026-10-25T01:00:00"),  # 02:00 CET
        utc("2026-10-25T01:30:00"),  # 02:30 CET
        utc("2026-10-25T02:00:00"),  # 03:00 CET
        utc("2026-10-25T02:30:00"),
    ]


def test_an_early_beat_counts_for_the_run_it_belongs_to() -> None:
    run = utc("2026-03-03T02:00:00")  # 03:00 CET
    assert expected_after(PRAGUE_0300, run - timedelta(seconds=1)) == utc("2026-03-04T02:00:00")
    assert expected_after(PRAGUE_0300, run - timedelta(minutes=30)) == utc("2026-03-04T02:00:00")
    assert expected_after(PRAGUE_0300, run - timedelta(minutes=31)) == run
    # Never more than half the gap between runs early, whatever the grace.
    every_10m = spec(cron="*/10 * * * *", grace="1h")
    assert expected_after(every_10m, utc("2026-03-03T02:05:00")) == utc("2026-03-03T02:20:00")
    assert expected_after(every_10m, utc("2026-03-03T02:04:59")) == utc("2026-03-03T02:10:00")


def test_deadlines_over_the_api_follow_prague_time_across_both_changes(app_at: AppAt) -> None:
    harness = app_at(utc("2026-03-28T12:00:00"))
    answer = ping(harness, REPORT_KEY)
    assert answer.json()["next_deadline"] == "2026-03-29T01:15:00+00:00"  # 03:00 CEST + 15m
    harness.drain()
    harness.clock.now = utc("2026-03-29T01:14:59")
    harness.drain()
    assert alerts(harness, "early-report") == []
    harness.clock.now = utc("2026-03-29T01:15:00")
    harness.drain()
    [alert] = alerts(harness, "early-report")
    assert alert["starts_at"].startswith("2026-03-29T01:00:00")
    assert "2026-03-29 03:00:00 CEST (2026-03-29 01:00:00 UTC)" in alert["description"]
    harness.clock.now = utc("2026-03-29T01:20:00")
    assert ping(harness, REPORT_KEY).json()["next_deadline"] == "2026-03-30T00:45:00+00:00"

    harness.clock.now = utc("2026-10-24T12:00:00")
    assert ping(harness, NIGHTLY_KEY).json()["next_deadline"] == "2026-10-25T02:30:00+00:00"
    harness.clock.now = utc("2026-10-25T02:29:59")  # 03:29:59 CET; yesterday's time was 01:30
    harness.drain()
    assert [a for a in alerts(harness, "nightly-backup") if a["status"] == "firing"] == []
    harness.clock.now = utc("2026-10-25T02:30:00")
    harness.drain()
    [missed] = [a for a in alerts(harness, "nightly-backup") if a["status"] == "firing"]
    assert "2026-10-25 03:00:00 CET (2026-10-25 02:00:00 UTC)" in missed["description"]
