"""Flow A: Prometheus → Alertmanager → webhook_configs → warroom, real binaries on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.flows import assert_common, run_flow
from tests.e2e.stack import (
    AM_SLUG,
    SERVICE,
    Stack,
    via_alertmanager,
    webhook_receiver,
)

FNV64_OFFSET, FNV64_PRIME, SEPARATOR = 0xCBF29CE484222325, 0x100000001B3, 0xFF


def alertmanager_fingerprint(labels: dict[str, str]) -> str:
    """Alertmanager's alert fingerprint (prometheus/common model.LabelSet.Fingerprint):
    FNV-1a 64 over the sorted label names and values, each followed by 0xff."""
    value = FNV64_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in [*part.encode(), SEPARATOR]:
                value = ((value ^ byte) * FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("needs_prometheus", "needs_alertmanager")]


def test_queue_backlog_opens_a_sev1_incident_and_its_resolution_mitigates_it(
    stack: Stack, database_url: str
) -> None:
    warroom = stack.warroom(database_url)
    target = stack.target()
    alertmanager = stack.alertmanager(webhook_receiver(warroom))
    stack.prometheus(target, via_alertmanager(alertmanager))

    flow = run_flow(stack, warroom, target, AM_SLUG)

    assert_common(warroom, flow, AM_SLUG, "alertmanager")
    alert = flow.fired_alert
    # warroom keeps Alertmanager's own identities: the fingerprint and the group key.
    assert alert["identity"] == alertmanager_fingerprint(alert["labels"])
    assert alert["group_key"] == f'{{}}:{{alertname="QueueBacklog", service="{SERVICE}"}}'
    assert alert["title"] == "QueueBacklog: Checkout queue backlog above 100 orders"
    assert alert["severity"] == "critical"
    assert alert["labels"]["alertname"] == "QueueBacklog"
    assert alert["labels"]["job"] == "checkout-queue"
    assert alert["annotations"]["description"] == f"{SERVICE} holds 500 orders."
    assert alert["routed_by"]["step"] == "catalog"
    assert any(link["text"] == "Source" for link in alert["links"])
    assert "holds 500 orders" in flow.fired_incident["summary"]
    print(f"webhook flow timings: {flow.seconds}")


# The shape of examples/warroom.yaml: critical production alerts page, the rest only notify.
PRODUCTION_RULES = [
    {
        "name": "page-critical",
        "matchers": ['severity=~"critical|page"', 'environment="production"'],
        "action": "incident",
    },
    {"name": "everything-else", "action": "notify"},
]


def test_integration_environment_is_the_default_for_alerts_that_name_none(stack: Stack) -> None:
    """The Alertmanager integration says `environment: production` and the rule is not
    labelled with one: the alert is a production alert and pages."""
    warroom = stack.warroom(alert_rules=PRODUCTION_RULES)
    target = stack.target()
    alertmanager = stack.alertmanager(webhook_receiver(warroom))
    stack.prometheus(target, via_alertmanager(alertmanager))

    target.set(500)

    def decided() -> dict[str, Any] | None:
        alerts = warroom.alerts(integration=AM_SLUG)
        return alerts[0] if alerts and alerts[0]["decision"] != "pending" else None

    alert = stack.wait(decided, "the alert to be decided")
    assert "environment" not in alert["labels"]
    assert alert["environment"] == "production"
    assert (alert["rule"], alert["decision"]) == ("page-critical", "incident")
