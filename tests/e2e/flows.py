"""The flow every end-to-end test runs: the queue backs up, an incident opens; the queue
drains, the alert resolves and the incident is mitigated. Sources differ only in how the
alert reaches warroom, so each test checks what its path adds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.e2e.stack import ALERT_NAME, SERVICE, TEAM, Stack, Warroom
from tests.e2e.target import MetricsTarget

BACKLOG, DRAINED = 500, 0


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


@dataclass
class Flow:
    fired_alert: dict[str, Any]
    fired_incident: dict[str, Any]
    resolved_alert: dict[str, Any]
    mitigated_incident: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


def run_flow(stack: Stack, warroom: Warroom, target: MetricsTarget, integration: str) -> Flow:
    seconds: dict[str, float] = {}
    warroom.wait_ready()  # up and logged in before the clock starts
    began = time.monotonic()
    target.set(BACKLOG)

    def alert_with_incident() -> dict[str, Any] | None:
        alerts = warroom.alerts(integration=integration)
        return alerts[0] if alerts and alerts[0]["incident"] else None

    fired_alert = stack.wait(alert_with_incident, f"an alert from {integration} with an incident")
    seconds["to_incident"] = round(time.monotonic() - began, 1)
    fired_incident = warroom.get(f"/api/v1/incidents/{fired_alert['incident']}")

    began = time.monotonic()
    target.set(DRAINED)

    def resolved() -> dict[str, Any] | None:
        alert = warroom.get(f"/api/v1/alerts/{fired_alert['id']}")
        return alert if alert["status"] == "resolved" else None

    resolved_alert = stack.wait(resolved, f"alert {fired_alert['id']} to resolve")

    def mitigated() -> dict[str, Any] | None:
        incident = warroom.get(f"/api/v1/incidents/{fired_incident['ref']}")
        return incident if incident["status"] == "mitigated" else None

    mitigated_incident = stack.wait(mitigated, f"{fired_incident['ref']} to be mitigated")
    seconds["to_mitigated"] = round(time.monotonic() - began, 1)
    return Flow(fired_alert, fired_incident, resolved_alert, mitigated_incident, seconds)


def assert_common(warroom: Warroom, flow: Flow, integration: str, source: str) -> None:
    """What holds whichever way the alert came: owner, severity, lifecycle, no duplicates."""
    alert, incident = flow.fired_alert, flow.fired_incident
    assert alert["integration"] == integration
    assert alert["source"] == source
    assert alert["team"] == TEAM
    assert alert["service"] == SERVICE
    assert alert["decision"] == "incident"
    assert alert["rule"] == "default"
    assert incident["team"] == TEAM
    assert incident["severity"] == "SEV1"
    assert incident["status"] == "triggered"
    assert incident["services"] == [SERVICE]
    assert ALERT_NAME in incident["title"]
    assert at(incident["impact_started_at"]) <= at(incident["detected_at"])

    resolved, mitigated = flow.resolved_alert, flow.mitigated_incident
    assert resolved["resolved_at"] is not None
    assert resolved["ends_at"] is not None
    assert mitigated["mitigated_at"] is not None
    assert mitigated["resolved_at"] is None
    assert at(mitigated["detected_at"]) <= at(mitigated["mitigated_at"])
    assert mitigated["durations"]["time_to_mitigate"] > 0

    # One alert and one incident, however often the sender repeated itself.
    assert [a["id"] for a in warroom.alerts(integration=integration)] == [alert["id"]]
    assert [i["ref"] for i in warroom.incidents()] == [incident["ref"]]
    timeline = warroom.get(f"/api/v1/incidents/{incident['ref']}/timeline")
    kinds = [entry["kind"] for entry in timeline["entries"]]
    for kind in ("declared", "alert_attached", "alert_resolved", "alerts_resolved"):
        assert kind in kinds, kinds
