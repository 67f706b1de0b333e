"""Alertmanager webhook → durable signals → alert → incident, in-process on both databases."""

from __future__ import annotations

from typing import Any

from tests.support.api import Harness

KEY = "am-test-key-0123456789"


def am_payload(status: str = "firing", **labels: str) -> dict[str, Any]:
    alert_labels = {"alertname": "HighLatency", "service": "payments-api", "severity": "critical"}
    alert_labels.update(labels)
    return {
        "receiver": "warroom",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": alert_labels,
                "annotations": {"summary": "p99 > 1s"},
                "startsAt": "2026-03-02T08:55:00Z",
                "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-03-02T09:20:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": "3dbf1a56b88343c9",
            }
        ],
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": alert_labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": '{}:{alertname="HighLatency"}',
        "truncatedAlerts": 0,
        "notification_reason": "a key warroom does not know",
    }


def test_firing_alert_opens_incident_for_catalog_owner_and_resolve_mitigates(api: Harness) -> None:
    answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=am_payload())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ok", "signals": 1}
    api.drain()
    alerts = api.ok("GET", "/api/v1/alerts")["items"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["team"] == "payments"
    assert alert["routed_by"]["step"] == "catalog"
    assert alert["decision"] == "incident"
    incident = api.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["severity"] == "SEV1"
    assert incident["team"] == "payments"
    assert incident["services"] == ["payments-api"]
    assert incident["impact_started_at"].startswith("2026-03-02T08:55:00")

    api.clock.advance(minutes=20)
    assert api.ingest(f"/ingest/alertmanager/{KEY}", json=am_payload("resolved")).status_code == 200
    api.drain()
    incident = api.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["status"] == "mitigated"
    kinds = [
        e["kind"] for e in api.ok("GET", f"/api/v1/incidents/{incident['ref']}/timeline")["entries"]
    ]
    assert kinds == [
        "declared",
        "alert_attached",
        "alert_resolved",
        "alerts_resolved",
        "status_changed",
    ]


def test_repeat_notification_changes_nothing(api: Harness) -> None:
    for _ in range(3):
        assert api.ingest(f"/ingest/alertmanager/{KEY}", json=am_payload()).status_code == 200
    api.drain()
    alert = api.ok("GET", "/api/v1/alerts")["items"][0]
    assert alert["occurrences"] == 1
    assert api.ok("GET", "/api/v1/incidents")["total"] == 1


def test_v2_alert_resolves_when_its_ends_at_passes_without_a_refresh(api: Harness) -> None:
    body = [
        {
            "labels": {"alertname": "DiskFull", "service": "payments-api", "severity": "critical"},
            "annotations": {"summary": "disk 95%"},
            "startsAt": "2026-03-02T08:59:00Z",
            "endsAt": "2026-03-02T09:04:00Z",
        }
    ]
    headers = {"Authorization": f"Bearer {KEY}"}
    assert api.ingest("/api/v2/alerts", json=body, headers=headers).status_code == 200
    api.drain()
    api.clock.advance(minutes=3)
    api.drain()
    assert api.ok("GET", "/api/v1/alerts")["items"][0]["status"] == "firing"
    api.clock.advance(minutes=1)
    api.drain()
    alert = api.ok("GET", "/api/v1/alerts")["items"][0]
    assert alert["status"] == "resolved"
    incident = api.ok("GET", f"/api/v1/incidents/{alert['incident']}")
    assert incident["status"] == "mitigated"
    assert incident["acknowledged_at"] is None, "nobody acknowledged it"
    assert incident["durations"]["time_to_acknowledge"] is None


def test_start_time_out_of_range_is_400_naming_the_field(api: Harness) -> None:
    payload = am_payload()
    payload["alerts"][0]["startsAt"] = "9999-12-31T23:59:59-14:00"
    answer = api.ingest(f"/ingest/alertmanager/{KEY}", json=payload)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "alerts[0].startsAt"
