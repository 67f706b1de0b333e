"""Alert rules: what an alert starts, when, at which severity, and which incident it joins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.alerts.support import (
    alerts,
    am_alert,
    custom_app,
    incidents,
    only_alert,
    send,
    timeline_kinds,
)
from tests.support.api import Harness


def stamp(api: Harness) -> str:
    return api.clock().strftime("%Y-%m-%dT%H:%M:%SZ")


def errors(instance: str = "a", **kwargs: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "instance": instance,
        "severity": "critical",
        "service": "checkout-api",
    }
    fields.update(kwargs)
    return am_alert("CheckoutErrors", **fields)


# --- when -----------------------------------------------------------------------------------


def test_default_rule_opens_an_incident_immediately(api: Harness) -> None:
    send(api, errors())
    alert = only_alert(api)
    assert alert["rule"] == "default"
    assert alert["decision"] == "incident"
    [incident] = incidents(api)
    assert alert["incident"] == incident["ref"]
    assert incident["title"] == "CheckoutErrors: p99 > 1s"
    assert incident["team"] == "checkout"
    assert incident["services"] == ["checkout-api"]
    assert incident["status"] == "triggered"


def noisy(api: Harness) -> None:
    send(
        api,
        am_alert(
            "NoisyQueue",
            starts=stamp(api),
            fingerprint="0a0a0a0a0a0a0a0a",
            severity="warning",
            service="checkout-api",
        ),
    )


def test_after_three_occurrences_within_ten_minutes(api: Harness) -> None:
    noisy(api)
    alert = only_alert(api)
    assert alert["decision"] == "waiting"
    assert alert["rule"] == "noisy-warnings"
    assert "1 of 3 occurrences" in alert["events"][-1]["text"]
    api.clock.advance(minutes=3)
    noisy(api)
    alert = only_alert(api)
    assert alert["decision"] == "waiting"
    assert "2 of 3 occurrences" in alert["events"][-1]["text"]
    assert incidents(api) == []
    api.clock.advance(minutes=3)
    noisy(api)
    alert = only_alert(api)
    assert alert["decision"] == "incident"
    assert alert["occurrences"] == 3
    [incident] = incidents(api)
    assert incident["severity"] == "SEV3"
    assert incident["declared_at"].startswith("2026-03-02T09:06:00")
    assert incident["detected_at"].startswith("2026-03-02T09:00:00")  # first receipt


def test_occurrences_outside_the_window_do_not_count(api: Harness) -> None:
    noisy(api)
    api.clock.advance(minutes=11)
    noisy(api)
    assert "1 of 3 occurrences" in only_alert(api)["events"][-1]["text"]
    api.clock.advance(minutes=1)
    noisy(api)
    assert only_alert(api)["decision"] == "waiting"
    assert incidents(api) == []
    api.clock.advance(minutes=1)
    noisy(api)
    assert only_alert(api)["decision"] == "incident"
    assert len(incidents(api)) == 1


def test_repeated_notifications_are_not_occurrences(api: Harness) -> None:
    noisy(api)
    for _ in range(4):
        api.clock.advance(minutes=1)
        send(
            api,
            am_alert(
                "NoisyQueue",
                starts="2026-03-02T09:00:00Z",
                fingerprint="0a0a0a0a0a0a0a0a",
                severity="warning",
                service="checkout-api",
                annotations={"summary": f"depth {api.clock().minute}"},
            ),
        )
    alert = only_alert(api)
    assert alert["occurrences"] == 1
    assert alert["decision"] == "waiting"
    assert incidents(api) == []


def disk_filling(api: Harness, status: str = "firing") -> None:
    send(
        api,
        am_alert(
            "DiskFilling",
            status=status,
            starts="2026-03-02T09:00:00Z",
            ends=stamp(api) if status == "resolved" else None,
            severity="critical",
            service="postgres-primary",
        ),
    )


def test_firing_for_waits_then_the_job_opens_an_incident(api: Harness) -> None:
    disk_filling(api)
    alert = only_alert(api)
    assert alert["decision"] == "waiting"
    assert alert["rule"] == "slow-burn"
    assert incidents(api) == []
    api.clock.advance(minutes=14)
    api.drain()
    assert incidents(api) == []
    api.clock.advance(minutes=1)
    api.drain()
    [incident] = incidents(api)
    assert incident["severity"] == "SEV3"  # the rule's fixed severity, not critical's SEV1
    assert incident["team"] == "platform"
    assert incident["detected_at"].startswith("2026-03-02T09:00:00")
    alert = only_alert(api)
    assert alert["decision"] == "incident"
    assert alert["incident"] == incident["ref"]
    api.clock.advance(minutes=30)
    api.drain()
    assert len(incidents(api)) == 1


def test_firing_for_resolved_before_the_delay_opens_nothing(api: Harness) -> None:
    disk_filling(api)
    api.clock.advance(minutes=10)
    disk_filling(api, status="resolved")
    api.clock.advance(minutes=10)
    api.drain()
    assert incidents(api) == []
    assert only_alert(api)["status"] == "resolved"


# --- what -----------------------------------------------------------------------------------


def test_notify_rule_opens_no_incident(api: Harness) -> None:
    send(api, errors(severity="none"))
    alert = only_alert(api)
    assert alert["rule"] == "notify-only"
    assert alert["decision"] == "notify"
    assert alert["incident"] is None
    assert incidents(api) == []


def test_ticket_rule_opens_an_incident_at_the_lowest_severity(api: Harness) -> None:
    send(api, errors(severity="info"))
    alert = only_alert(api)
    assert alert["rule"] == "info-tickets"
    assert alert["decision"] == "ticket"
    [incident] = incidents(api)
    assert incident["severity"] == "SEV4"
    assert alert["incident"] == incident["ref"]


@pytest.mark.parametrize(("label", "severity"), [("critical", "SEV1"), ("warning", "SEV3")])
def test_alert_severity_maps_to_incident_severity(api: Harness, label: str, severity: str) -> None:
    send(api, errors(severity=label))
    assert [i["severity"] for i in incidents(api)] == [severity]


def custom_severity_map(doc: dict[str, Any]) -> None:
    doc["severity_map"] = {"critical": "SEV2", "disaster": "SEV1"}


def test_configured_severity_map_replaces_the_default(engine: Engine, tmp_path: Path) -> None:
    with custom_app(engine, tmp_path, custom_severity_map) as api:
        send(api, errors("a", severity="critical"), group_key="a")
        send(api, errors("b", severity="disaster"), group_key="b")
        send(api, errors("c", severity="warning"), group_key="c")  # unmapped: the default SEV3
        assert [i["severity"] for i in incidents(api)] == ["SEV2", "SEV1", "SEV3"]


# --- which incident -------------------------------------------------------------------------


def test_alerts_of_one_alertmanager_group_share_one_incident(api: Harness) -> None:
    send(api, errors("a"), errors("b"), group_key='{}:{alertname="CheckoutErrors"}')
    send(api, errors("c", service="payments-api"), group_key="another-group")
    first, second = incidents(api)
    grouped = alerts(api, incident=first["number"])
    assert [a["labels"]["instance"] for a in grouped] == ["a", "b"]
    assert [a["decision"] for a in grouped] == ["incident", "attached"]
    assert [a["labels"]["instance"] for a in alerts(api, incident=second["number"])] == ["c"]


def test_fifty_alerts_of_one_service_open_one_incident(api: Harness) -> None:
    for n in range(50):
        answer = api.ingest(
            "/ingest/alertmanager/am-test-key-0123456789",
            json={
                "version": "4",
                "groupKey": f"queue-{n}",
                "status": "firing",
                "alerts": [
                    am_alert(
                        f"QueueStuck{n}",
                        service="checkout-queue",
                        severity="critical",
                        partition=str(n),
                    )
                ],
            },
        )
        assert answer.status_code == 200, answer.text
    api.drain()
    [incident] = incidents(api)
    assert incident["services"] == ["checkout-queue"]
    assert incident["team"] == "checkout"
    linked = api.ok("GET", "/api/v1/alerts", params={"incident": incident["number"]})
    assert linked["total"] == 50
    assert all(a["rule"] == "queue-by-service" for a in linked["items"])

    api.clock.advance(minutes=31)  # past group_window: a new incident
    send(api, am_alert("QueueStuck", service="checkout-queue", severity="critical"))
    assert len(incidents(api)) == 2


def test_impact_start_is_the_earliest_alert_start_and_detection_the_first_receipt(
    api: Harness,
) -> None:
    send(api, errors("a", starts="2026-03-02T08:55:00Z"), group_key="g")
    [incident] = incidents(api)
    assert incident["impact_started_at"].startswith("2026-03-02T08:55:00")
    assert incident["detected_at"].startswith("2026-03-02T09:00:00")
    api.clock.advance(minutes=2)
    send(api, errors("b", starts="2026-03-02T08:50:00Z"), group_key="g")
    [incident] = incidents(api)
    assert incident["impact_started_at"].startswith("2026-03-02T08:50:00")
    assert incident["detected_at"].startswith("2026-03-02T09:00:00")
    assert timeline_kinds(api, incident["ref"]) == ["declared", "alert_attached", "alert_attached"]


# --- when the alerts resolve ----------------------------------------------------------------


def resolve(instance: str, api: Harness) -> dict[str, Any]:
    return errors(instance, status="resolved", ends=stamp(api))


def two_alerts_then_both_resolve(api: Harness) -> dict[str, Any]:
    send(api, errors("a"), errors("b"), group_key="g")
    [incident] = incidents(api)
    api.clock.advance(minutes=10)
    send(api, resolve("a", api), errors("b"), group_key="g")
    still = api.ok("GET", f"/api/v1/incidents/{incident['ref']}")
    assert still["status"] == "triggered"
    assert timeline_kinds(api, incident["ref"])[-1] == "alert_resolved"
    api.clock.advance(minutes=5)
    send(api, resolve("b", api), group_key="g")
    after: dict[str, Any] = api.ok("GET", f"/api/v1/incidents/{incident['ref']}")
    return after


def test_when_every_alert_resolves_the_incident_is_mitigated(api: Harness) -> None:
    incident = two_alerts_then_both_resolve(api)
    assert incident["status"] == "mitigated"
    assert incident["mitigated_at"].startswith("2026-03-02T09:15:00")
    assert timeline_kinds(api, incident["ref"]) == [
        "declared",
        "alert_attached",
        "alert_attached",
        "alert_resolved",
        "alert_resolved",
        "alerts_resolved",
        "status_changed",
    ]


@pytest.mark.parametrize(("policy", "status"), [("resolve", "resolved"), ("nothing", "triggered")])
def test_on_all_resolved_policy(engine: Engine, tmp_path: Path, policy: str, status: str) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["alerts"] = {"on_all_resolved": policy}

    with custom_app(engine, tmp_path, change) as api:
        incident = two_alerts_then_both_resolve(api)
        assert incident["status"] == status
        kinds = timeline_kinds(api, incident["ref"])
        assert "alerts_resolved" in kinds
        assert ("status_changed" in kinds) is (policy == "resolve")


def rules_on_source_and_environment(doc: dict[str, Any]) -> None:
    doc["alert_rules"] = [
        {"name": "hooks-notify", "matchers": ['source="webhook"'], "action": "notify"},
        {"name": "pd-tickets", "matchers": ['integration="pd"'], "action": "ticket"},
        {"name": "staging-tickets", "matchers": ['environment="staging"'], "action": "ticket"},
        {"name": "default"},
    ]


def test_rules_match_the_source_integration_and_environment(engine: Engine, tmp_path: Path) -> None:
    from tests.ingest.test_pagerduty import ENQUEUE, trigger

    with custom_app(engine, tmp_path, rules_on_source_and_environment) as api:
        hook = {"title": "Build broken", "id": "build-1", "state": "alerting"}
        assert api.ingest("/ingest/webhook/hook-test-key-0123456789", json=hook).status_code == 200
        assert api.ingest(ENQUEUE, json=trigger()).status_code == 202
        send(api, errors("staging", env="staging"), errors("production", env="production"))
        decided = {
            (a["source"], a["environment"]): a["rule"]
            for a in api.ok("GET", "/api/v1/alerts")["items"]
        }
        assert decided == {
            ("webhook", None): "hooks-notify",
            ("pagerduty", None): "pd-tickets",
            ("alertmanager", "staging"): "staging-tickets",
            ("alertmanager", "production"): "default",
        }
