"""Silences and maintenance windows: matching alerts are kept and visible but start nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.alerts.support import alerts, am_alert, incidents, only_alert, send
from tests.support.api import Harness

MATCHERS = ['alertname="DiskFull"', "env!=staging", 'instance=~"db-.*"', 'job!~"test.*"']


def silence(api: Harness, **body: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"matchers": MATCHERS, "duration": "2h", "comment": "disk swap"}
    fields.update(body)
    answer = api.post("/api/v1/silences", json=fields)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def disk_full(**labels: str) -> dict[str, Any]:
    fields = {
        "instance": "db-1",
        "env": "production",
        "job": "node",
        "severity": "critical",
        "service": "postgres-primary",
    }
    fields.update(labels)
    return am_alert("DiskFull", **fields)


def test_silence_is_created_with_every_matcher_operator(api: Harness) -> None:
    created = silence(api)
    assert created["kind"] == "silence"
    assert created["matchers"] == [
        'alertname="DiskFull"',
        'env!="staging"',
        'instance=~"db-.*"',
        'job!~"test.*"',
    ]
    assert created["active"] is True
    assert created["created_by"] == "admin"
    assert created["starts_at"].startswith("2026-03-02T09:00:00")
    assert created["ends_at"].startswith("2026-03-02T11:00:00")
    assert [s["id"] for s in api.ok("GET", "/api/v1/silences")] == [created["id"]]


def test_matching_alert_is_kept_visible_and_muted_without_an_incident(api: Harness) -> None:
    created = silence(api)
    send(api, disk_full())
    alert = only_alert(api)
    assert alert["status"] == "firing"
    assert alert["muted_by"] == f"silence {created['id']}: disk swap"
    assert alert["decision"] == "muted"
    assert alert["incident"] is None
    assert "muted" in [e["kind"] for e in alert["events"]]
    assert incidents(api) == []
    assert [a["id"] for a in alerts(api, decision="muted")] == [alert["id"]]


def test_alert_failing_any_matcher_is_not_muted(api: Harness) -> None:
    silence(api)
    send(
        api,
        disk_full(instance="web-1"),  # =~ fails
        disk_full(instance="db-2", env="staging"),  # != fails
        disk_full(instance="db-3", job="test-node"),  # !~ fails
        am_alert("DiskAlmostFull", instance="db-4", env="production", job="node"),  # = fails
        group_key="g1",
    )
    found = alerts(api)
    assert len(found) == 4
    assert all(a["muted_by"] is None for a in found)
    assert all(a["decision"] in ("incident", "attached") for a in found)
    assert len(incidents(api)) == 1  # one Alertmanager group, one incident


def test_expired_silence_no_longer_mutes(api: Harness) -> None:
    created = silence(api)
    answer = api.request("DELETE", f"/api/v1/silences/{created['id']}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False
    send(api, disk_full())
    alert = only_alert(api)
    assert alert["muted_by"] is None
    assert alert["decision"] == "incident"


def test_silence_past_its_end_no_longer_mutes(api: Harness) -> None:
    silence(api, duration="30m")
    api.clock.advance(minutes=31)
    assert api.ok("GET", "/api/v1/silences") == []
    send(api, disk_full())
    assert only_alert(api)["muted_by"] is None
    assert len(incidents(api)) == 1


def test_silence_in_the_future_does_not_mute_yet(api: Harness) -> None:
    later = api.clock() + timedelta(hours=1)
    created = silence(api, starts_at=later.isoformat())
    assert created["active"] is False
    send(api, disk_full())
    assert only_alert(api)["muted_by"] is None
    api.clock.advance(hours=1, minutes=1)
    send(api, disk_full(instance="db-9"))
    muted = alerts(api, decision="muted")
    assert [a["labels"]["instance"] for a in muted] == ["db-9"]


def test_bad_matcher_is_refused_naming_matchers(api: Harness) -> None:
    answer = api.post(
        "/api/v1/silences",
        json={"matchers": ["alertname~~Disk"], "duration": "1h", "comment": "x"},
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "matchers"
    assert "alertname~~Disk" in error["message"]
    assert api.ok("GET", "/api/v1/silences", params={"expired": True}) == []


def test_bad_regex_in_a_matcher_is_refused(api: Harness) -> None:
    answer = api.post(
        "/api/v1/silences",
        json={"matchers": ['instance=~"db-("'], "duration": "1h", "comment": "x"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "matchers"


def test_maintenance_window_mutes_only_that_services_alerts(api: Harness) -> None:
    answer = api.post(
        "/api/v1/maintenance",
        json={"service": "checkout-api", "duration": "1h", "comment": "db upgrade"},
    )
    assert answer.status_code == 201, answer.text
    window = answer.json()
    assert window["kind"] == "maintenance"
    assert window["service"] == "checkout-api"
    send(api, am_alert("HighLatency", service="checkout-api", severity="critical"), group_key="a")
    send(api, am_alert("HighLatency", service="payments-api", severity="critical"), group_key="b")
    checkout, payments = alerts(api)
    assert checkout["muted_by"] == f"maintenance {window['id']}: db upgrade"
    assert checkout["decision"] == "muted"
    assert checkout["incident"] is None
    assert payments["muted_by"] is None
    assert payments["decision"] == "incident"
    assert [i["services"] for i in incidents(api)] == [["payments-api"]]
    assert [w["id"] for w in api.ok("GET", "/api/v1/maintenance")] == [window["id"]]
    assert api.ok("GET", "/api/v1/silences") == []


def test_maintenance_for_an_unknown_service_is_refused(api: Harness) -> None:
    answer = api.post(
        "/api/v1/maintenance",
        json={"service": "no-such-service", "duration": "1h", "comment": "x"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "service"
    assert "no-such-service" in answer.json()["error"]["message"]
    assert api.ok("GET", "/api/v1/maintenance", params={"expired": True}) == []


def test_alert_muted_by_an_expired_silence_goes_through_the_rules(api: Harness) -> None:
    created = api.ok(
        "POST",
        "/api/v1/silences",
        json={"matchers": ['alertname="HighLatency"'], "duration": "1h", "comment": "deploy"},
    )
    send(api, am_alert(service="payments-api", severity="critical"))
    assert only_alert(api)["decision"] == "muted"
    api.ok("DELETE", f"/api/v1/silences/{created['id']}")
    api.drain()
    alert = only_alert(api)
    assert alert["muted_by"] is None
    assert alert["decision"] == "incident"
    assert alert["incident"] == "INC-1"


def test_alert_muted_by_a_silence_that_runs_out_goes_through_the_rules(api: Harness) -> None:
    api.ok(
        "POST",
        "/api/v1/silences",
        json={"matchers": ['alertname="HighLatency"'], "duration": "1h", "comment": "deploy"},
    )
    send(api, am_alert(service="payments-api", severity="critical"))
    api.clock.advance(minutes=59)
    api.drain()
    assert only_alert(api)["decision"] == "muted"
    api.clock.advance(minutes=1)
    api.drain()
    assert only_alert(api)["incident"] == "INC-1"


def test_expiring_a_silence_through_the_maintenance_route_is_not_found(api: Harness) -> None:
    created = api.ok(
        "POST",
        "/api/v1/silences",
        json={"matchers": ['alertname="X"'], "duration": "1h", "comment": "c"},
    )
    answer = api.request("DELETE", f"/api/v1/maintenance/{created['id']}")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"maintenance {created['id']} does not exist"


def test_silence_on_a_pagerduty_events_source_host_mutes_it(api: Harness) -> None:
    """``payload.source`` is the label ``source``; warroom's pseudo-label does not hide it."""
    from tests.ingest.test_pagerduty import ENQUEUE, trigger

    created = silence(api, matchers=['source="srv01.checkout.example.com"'])
    for host, key in (("srv01.checkout.example.com", "one"), ("srv02.checkout.example.com", "two")):
        answer = api.ingest(ENQUEUE, json=trigger(dedup_key=key, payload__source=host))
        assert answer.status_code == 202, answer.text
    api.drain()
    muted = {a["identity"]: a["muted_by"] for a in alerts(api)}
    assert muted == {"one": f"silence {created['id']}: disk swap", "two": None}
