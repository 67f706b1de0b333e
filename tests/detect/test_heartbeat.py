"""Heartbeat pings → missed deadlines → alerts and incidents, in-process on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.detect.conftest import (
    CHATTY_KEY,
    NIGHTLY_KEY,
    SWEEPER_KEY,
    alerts,
    heartbeat_row,
    ping,
    write_config,
)
from tests.support.api import Harness
from warroom.ingest.models import HeartbeatState

AM_KEY = "am-test-key-0123456789"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_beat_answers_with_the_next_deadline_once_durable(beats: Harness) -> None:
    answer = ping(beats, NIGHTLY_KEY)
    assert answer.status_code == 200, answer.text
    # Next 03:00 in Prague after Monday 10:00 CET is Tuesday 03:00 CET = 02:00 UTC, +30m grace.
    assert answer.json() == {
        "status": "ok",
        "state": "up",
        "next_deadline": "2026-03-03T02:30:00+00:00",
    }
    row = heartbeat_row(beats, "nightly-backup")
    assert row is not None
    assert row.state is HeartbeatState.UP
    assert row.beats == 1
    assert row.last_beat_at == at("2026-03-02T09:00:00")
    assert row.expected_at == at("2026-03-03T02:00:00")
    assert row.deadline_at == at("2026-03-03T02:30:00")


def test_get_is_a_beat_too(beats: Harness) -> None:
    answer = beats.client.get(f"/ingest/heartbeat/{NIGHTLY_KEY}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "up"
    row = heartbeat_row(beats, "nightly-backup")
    assert row is not None and row.beats == 1


def test_missed_beat_fires_an_incident_and_the_next_beat_mitigates_it(beats: Harness) -> None:
    assert ping(beats, NIGHTLY_KEY).status_code == 200
    beats.drain()
    beats.clock.now = at("2026-03-03T02:29:59")
    beats.drain()
    assert alerts(beats, "nightly-backup") == []

    beats.clock.now = at("2026-03-03T02:30:00")
    beats.drain()
    [alert] = alerts(beats, "nightly-backup")
    assert alert["status"] == "firing"
    assert alert["identity"] == "heartbeat"
    assert alert["source"] == "heartbeat"
    assert alert["title"] == "nightly-backup missed its heartbeat"
    assert alert["severity"] == "critical"
    assert alert["labels"] == {"heartbeat": "nightly-backup"}
    assert alert["starts_at"].startswith("2026-03-03T02:00:00")  # when the beat was expected
    assert "2026-03-03 03:00:00 CET (2026-03-03 02:00:00 UTC)" in alert["description"]
    assert "Last beat: 2026-03-02 10:00:00 CET" in alert["description"]
    assert alert["team"] == "platform"
    assert alert["service"] == "postgres-primary"
    assert alert["routed_by"]["step"] == "integration_default"
    assert alert["rule"] == "default"
    assert alert["decision"] == "incident"
    incident = beats.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["team"] == "platform"
    assert incident["severity"] == "SEV1"
    assert incident["services"] == ["postgres-primary"]
    assert incident["status"] not in ("mitigated", "resolved", "closed")
    row = heartbeat_row(beats, "nightly-backup")
    assert row is not None and row.state is HeartbeatState.DOWN

    # Running the worker again (or the same check twice) changes nothing.
    beats.clock.advance(minutes=10)
    beats.drain()
    [again] = alerts(beats, "nightly-backup")
    assert again["occurrences"] == 1

    beats.clock.now = at("2026-03-03T02:45:00")
    answer = ping(beats, NIGHTLY_KEY)
    assert answer.json() == {
        "status": "ok",
        "state": "up",
        "next_deadline": "2026-03-04T02:30:00+00:00",
    }
    beats.drain()
    [resolved] = alerts(beats, "nightly-backup")
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"].startswith("2026-03-03T02:45:00")
    incident = beats.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["status"] == "mitigated"


def test_a_beat_before_the_deadline_keeps_it_up(beats: Harness) -> None:
    assert ping(beats, NIGHTLY_KEY).status_code == 200
    beats.drain()
    beats.clock.now = at("2026-03-03T02:10:00")  # 03:10 in Prague: after 03:00, within grace
    answer = ping(beats, NIGHTLY_KEY)
    assert answer.json()["next_deadline"] == "2026-03-04T02:30:00+00:00"
    beats.clock.now = at("2026-03-03T02:31:00")  # the first deadline's check runs: stale
    beats.drain()
    assert alerts(beats, "nightly-backup") == []
    row = heartbeat_row(beats, "nightly-backup")
    assert row is not None
    assert row.state is HeartbeatState.UP
    assert row.beats == 2


def test_a_beat_slightly_early_counts_for_the_scheduled_run(beats: Harness) -> None:
    # 02:59:59 in Prague, a second before the 03:00 run (the job host's clock is ahead):
    # it is that run's beat, not a beat before it, so no alert at 03:30.
    beats.clock.now = at("2026-03-03T01:59:59")
    assert ping(beats, NIGHTLY_KEY).json()["next_deadline"] == "2026-03-04T02:30:00+00:00"
    beats.clock.now = at("2026-03-03T02:31:00")
    beats.drain()
    assert alerts(beats, "nightly-backup") == []
    # More than the grace (30m) early, it is not: the 03:00 run still has to beat.
    beats.clock.now = at("2026-03-04T01:20:00")
    assert ping(beats, NIGHTLY_KEY).json()["next_deadline"] == "2026-03-04T02:30:00+00:00"
    beats.clock.now = at("2026-03-04T02:30:00")
    beats.drain()
    [alert] = alerts(beats, "nightly-backup")
    assert alert["status"] == "firing"


def test_interval_heartbeat_expects_a_beat_every_interval(beats: Harness) -> None:
    first = ping(beats, SWEEPER_KEY).json()
    assert first["next_deadline"] == "2026-03-02T09:20:00+00:00"  # 15m + 5m grace
    beats.clock.advance(minutes=19)
    assert ping(beats, SWEEPER_KEY).json()["next_deadline"] == "2026-03-02T09:39:00+00:00"
    beats.clock.advance(minutes=2)  # 09:21: the first deadline passed, but a beat moved it
    beats.drain()
    assert alerts(beats, "queue-sweeper") == []

    beats.clock.now = at("2026-03-02T09:39:00")
    beats.drain()
    [alert] = alerts(beats, "queue-sweeper")
    assert alert["status"] == "firing"
    assert alert["title"] == "Queue sweeper stopped"
    assert alert["severity"] == "warning"
    assert alert["team"] == "checkout"
    assert "every 15m" in alert["description"]
    incident = beats.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["severity"] == "SEV3"
    assert incident["team"] == "checkout"


def test_a_job_that_never_beats_is_detected_after_period_and_grace(beats: Harness) -> None:
    beats.drain()  # the worker starts watching every configured heartbeat
    row = heartbeat_row(beats, "queue-sweeper")
    assert row is not None
    assert row.state is HeartbeatState.WAITING
    assert row.deadline_at == at("2026-03-02T09:20:00")
    nightly = heartbeat_row(beats, "nightly-backup")
    assert nightly is not None and nightly.deadline_at == at("2026-03-03T02:30:00")

    beats.clock.now = at("2026-03-02T09:19:59")
    beats.drain()
    assert alerts(beats, "queue-sweeper") == []
    beats.clock.now = at("2026-03-02T09:20:00")
    beats.drain()
    [alert] = alerts(beats, "queue-sweeper")
    assert alert["status"] == "firing"
    assert "Last beat: never" in alert["description"]
    assert alerts(beats, "nightly-backup") == []

    beats.clock.now = at("2026-03-03T02:30:00")
    beats.drain()
    [nightly_alert] = alerts(beats, "nightly-backup")
    assert nightly_alert["decision"] == "incident"
    assert beats.ok("GET", f"/api/v1/incidents/{nightly_alert['incident']}")["team"] == "platform"


def test_a_reported_failure_fires_now_with_the_log_and_a_beat_resolves(beats: Harness) -> None:
    log = "pg_dump: error: connection to server failed\n" + "x" * 20_000
    answer = ping(beats, NIGHTLY_KEY, params={"status": "fail"}, content=log.encode())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "ok",
        "state": "down",
        "next_deadline": "2026-03-03T02:30:00+00:00",
    }
    beats.drain()
    [alert] = alerts(beats, "nightly-backup")
    assert alert["status"] == "firing"
    assert alert["title"] == "nightly-backup reported a failure"
    assert "pg_dump: error: connection to server failed" in alert["description"]
    assert "(first 10 KiB)" in alert["description"]
    assert alert["description"].count("x") <= 10 * 1024
    assert alert["decision"] == "incident"

    beats.clock.advance(minutes=5)
    assert ping(beats, NIGHTLY_KEY).json()["state"] == "up"
    beats.drain()
    [resolved] = alerts(beats, "nightly-backup")
    assert resolved["status"] == "resolved"
    assert beats.ok("GET", f"/api/v1/incidents/{alert['incident']}")["status"] == "mitigated"


def test_unknown_keys_and_keys_of_other_kinds_are_404(beats: Harness) -> None:
    for key in ("no-such-key-0123456789", AM_KEY):
        answer = ping(beats, key)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "not_found"
        assert beats.client.get(f"/ingest/heartbeat/{key}").status_code == 404
    beats.drain()
    assert beats.ok("GET", "/api/v1/alerts")["items"] == []


def test_bad_status_is_400_and_changes_nothing(beats: Harness) -> None:
    answer = ping(beats, NIGHTLY_KEY, params={"status": "maybe"})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "status"
    assert heartbeat_row(beats, "nightly-backup") is None


def test_body_over_64_kib_is_413(beats: Harness) -> None:
    answer = ping(beats, NIGHTLY_KEY, params={"status": "fail"}, content=b"x" * (64 * 1024 + 1))
    assert answer.status_code == 413
    assert heartbeat_row(beats, "nightly-backup") is None
    assert ping(beats, NIGHTLY_KEY, content=b"x" * (64 * 1024)).status_code == 200


def test_rate_limit_is_429_with_retry_after(beats: Harness) -> None:
    assert ping(beats, CHATTY_KEY).status_code == 200
    answer = ping(beats, CHATTY_KEY)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) >= 1
    row = heartbeat_row(beats, "chatty")
    assert row is not None and row.beats == 1


def test_a_removed_heartbeat_raises_nothing_and_is_watched_again_when_back(
    beats: Harness, config_path: Path
) -> None:
    assert ping(beats, SWEEPER_KEY).status_code == 200  # deadline 09:20
    write_config(config_path, drop=("queue-sweeper",))
    beats.live_config.reload()
    assert ping(beats, SWEEPER_KEY).status_code == 404
    beats.clock.now = at("2026-03-02T10:00:00")
    beats.drain()
    assert alerts(beats, "queue-sweeper") == []
    row = heartbeat_row(beats, "queue-sweeper")
    assert row is not None and row.state is HeartbeatState.UP  # kept, untouched

    write_config(config_path)
    beats.live_config.reload()
    beats.drain()  # back in the config: watched from now on, not blamed for the gap
    assert alerts(beats, "queue-sweeper") == []
    row = heartbeat_row(beats, "queue-sweeper")
    assert row is not None and row.deadline_at == at("2026-03-02T10:20:00")
    beats.clock.now = at("2026-03-02T10:20:00")
    beats.drain()
    [alert] = alerts(beats, "queue-sweeper")
    assert alert["status"] == "firing"
