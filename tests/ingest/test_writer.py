"""The group-commit writer: NUL characters never break a commit, on either database."""

from __future__ import annotations

from tests.ingest.test_alertmanager import KEY, am_payload
from tests.support.api import Harness


def test_nul_characters_are_removed_and_the_signal_is_stored(api: Harness) -> None:
    payload = am_payload(instance="db\x001")
    payload["alerts"][0]["fingerprint"] = "fp\x00nul"
    payload["alerts"][0]["annotations"]["summary"] = "p99\x00 > 1s"
    answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=payload)
    assert answer.status_code == 200, answer.text
    api.drain()
    alert = api.ok("GET", "/api/v1/alerts")["items"][0]
    assert alert["identity"] == "fpnul"
    assert alert["labels"]["instance"] == "db1"
    assert alert["title"] == "HighLatency: p99 > 1s"
