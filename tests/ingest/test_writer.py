"""The group-commit writer: NUL characters never break a commit, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tests.ingest.test_alertmanager import KEY, am_payload
from tests.support.api import Harness
from warroom.ingest.writer import SqliteTimes, sqlite_time


def test_nul_characters_are_removed_and_the_signal_is_stored(api: Harness) -> None:
    """From the fingerprint and the annotations; a NUL in a label value is refused instead
    (Alertmanager refuses it too: tests/ingest/test_alertmanager_labels.py)."""
    payload = am_payload(instance="db1")
    payload["alerts"][0]["fingerprint"] = "fp\x00nul"
    payload["alerts"][0]["annotations"]["summary"] = "p99\x00 > 1s"
    answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=payload)
    assert answer.status_code == 200, answer.text
    api.drain()
    alert = api.ok("GET", "/api/v1/alerts")["items"][0]
    assert alert["identity"] == "fpnul"
    assert alert["labels"]["instance"] == "db1"
    assert alert["title"] == "HighLatency: p99 > 1s"


def test_the_cached_receipt_time_is_sqlalchemys_text_across_seconds_and_zones() -> None:
    times = SqliteTimes()
    start = datetime(2026, 12, 4, 23, 59, 58, 999_999, tzinfo=UTC)
    moments = [start + timedelta(microseconds=n * 250_001) for n in range(12)]
    moments += [  # the same second again after others, another zone, a naive value
        start,
        datetime(2026, 12, 5, 1, 0, 0, 5, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 12, 5, 0, 0, 0, 0),
        datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
        datetime(1970, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC),
    ]
    for moment in moments:
        assert times(moment) == sqlite_time(moment), moment
    assert times(moments[-3]) == "2026-12-05 00:00:00.000000"
    assert times(moments[-4]) == "2026-12-05 00:00:00.000005"
