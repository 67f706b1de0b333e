"""Dedup: a signal joins its open alert or opens one (Alertmanager fingerprint = dedup key)."""

from __future__ import annotations

from typing import Any

from tests.alerts.support import (
    alerts,
    am_alert,
    event_kinds,
    incidents,
    integration,
    only_alert,
    send,
)
from tests.support.api import Harness

FP = "3dbf1a56b88343c9"


def firing(**kwargs: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"fingerprint": FP, "service": "payments-api", "severity": "critical"}
    fields.update(kwargs)
    return am_alert("HighLatency", **fields)


def test_new_alert_is_opened_with_its_start_and_first_receipt(api: Harness) -> None:
    send(api, firing())
    alert = only_alert(api)
    assert alert["status"] == "firing"
    assert alert["identity"] == FP
    assert alert["source"] == "alertmanager"
    assert alert["title"] == "HighLatency: p99 > 1s"
    assert alert["occurrences"] == 1
    assert alert["starts_at"].startswith("2026-03-02T08:55:00")
    assert alert["first_seen_at"].startswith("2026-03-02T09:00:00")
    assert event_kinds(alert)[0] == "opened"
    assert integration(api)["signals"] == {"opened": 1}


def test_identical_repeat_notification_changes_nothing(api: Harness) -> None:
    send(api, firing())
    before = only_alert(api)
    for _ in range(3):
        api.clock.advance(minutes=5)  # Alertmanager's repeat_interval
        send(api, firing())
    after = only_alert(api)
    assert after == before
    assert after["occurrences"] == 1
    assert len(incidents(api)) == 1
    assert integration(api)["signals"] == {"opened": 1, "duplicate": 3}


def test_changed_annotations_update_the_alert_without_a_new_occurrence(api: Harness) -> None:
    send(api, firing())
    api.clock.advance(minutes=1)
    send(api, firing(annotations={"summary": "p99 > 2s", "runbook": "https://runbooks/x"}))
    alert = only_alert(api)
    assert alert["annotations"] == {"summary": "p99 > 2s", "runbook": "https://runbooks/x"}
    assert alert["title"] == "HighLatency: p99 > 2s"
    assert alert["occurrences"] == 1
    assert "occurred" not in event_kinds(alert)
    assert alert["last_seen_at"].startswith("2026-03-02T09:01:00")
    assert len(incidents(api)) == 1
    assert integration(api)["signals"] == {"opened": 1, "updated": 1}


def test_new_starts_at_is_a_new_occurrence(api: Harness) -> None:
    send(api, firing())
    api.clock.advance(minutes=10)
    send(api, firing(starts="2026-03-02T09:08:00Z"))
    alert = only_alert(api)
    assert alert["occurrences"] == 2
    assert event_kinds(alert).count("occurred") == 1
    assert len(alerts(api)) == 1


def test_annotation_change_after_a_new_occurrence_is_not_another_occurrence(
    api: Harness,
) -> None:
    send(api, firing())
    api.clock.advance(minutes=10)
    send(api, firing(starts="2026-03-02T09:08:00Z"))
    api.clock.advance(minutes=1)
    send(api, firing(starts="2026-03-02T09:08:00Z", annotations={"summary": "p99 > 3s"}))
    alert = only_alert(api)
    assert alert["title"] == "HighLatency: p99 > 3s"
    assert alert["occurrences"] == 2
    assert event_kinds(alert).count("occurred") == 1


def test_resolve_closes_the_alert_with_its_end(api: Harness) -> None:
    send(api, firing())
    api.clock.advance(minutes=30)
    send(api, firing(status="resolved", ends="2026-03-02T09:25:00Z"))
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["resolved_at"].startswith("2026-03-02T09:30:00")
    assert alert["ends_at"].startswith("2026-03-02T09:25:00")
    assert "resolved" in event_kinds(alert)
    assert integration(api)["signals"] == {"opened": 1, "updated": 1}


def test_firing_after_resolve_opens_a_new_alert(api: Harness) -> None:
    send(api, firing())
    api.clock.advance(minutes=30)
    send(api, firing(status="resolved", ends="2026-03-02T09:25:00Z"))
    api.clock.advance(minutes=30)
    send(api, firing(starts="2026-03-02T09:58:00Z"))
    first, second = alerts(api)
    assert first["id"] != second["id"]
    assert first["identity"] == second["identity"] == FP
    assert first["status"] == "resolved"
    assert second["status"] == "firing"
    assert second["occurrences"] == 1
    assert second["starts_at"].startswith("2026-03-02T09:58:00")


def test_resolve_for_an_unknown_fingerprint_is_dropped_and_counted(api: Harness) -> None:
    send(api, firing(status="resolved", fingerprint="0000ffff0000ffff"))
    assert alerts(api) == []
    assert incidents(api) == []
    assert integration(api)["signals"] == {"dropped": 1}
