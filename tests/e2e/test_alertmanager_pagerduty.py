"""Flow B: Prometheus → Alertmanager → pagerduty_configs → warroom's PagerDuty Events API v2.

Alertmanager is the real PagerDuty client here: its dedup_key is the SHA-256 of the group
key, and it sends a ``resolve`` event once the group has resolved.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.e2e.flows import assert_common, run_flow
from tests.e2e.stack import PD_SLUG, SERVICE, Stack, pagerduty_receiver, via_alertmanager

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("needs_prometheus", "needs_alertmanager")]


def test_alertmanager_pages_warroom_like_pagerduty_and_resolves(stack: Stack) -> None:
    warroom = stack.warroom()
    target = stack.target()
    alertmanager = stack.alertmanager(pagerduty_receiver(warroom))
    stack.prometheus(target, via_alertmanager(alertmanager))

    flow = run_flow(stack, warroom, target, PD_SLUG)

    assert_common(warroom, flow, PD_SLUG, "pagerduty")
    alert = flow.fired_alert
    group_key = f'{{}}:{{alertname="QueueBacklog", service="{SERVICE}"}}'
    assert alert["identity"] == hashlib.sha256(group_key.encode()).hexdigest()
    assert alert["severity"] == "critical"
    assert "QueueBacklog" in alert["title"]
    # pagerduty_configs sends no labels: the integration's team and service decide.
    assert alert["routed_by"]["step"] == "integration_default", alert["routed_by"]
    assert alert["environment"] == "production"  # the integration's default
    signals = warroom.get("/api/v1/integrations")
    pd = next(i for i in signals if i["slug"] == PD_SLUG)
    assert pd["counters"].get("accepted", 0) >= 2, pd  # a trigger and a resolve
    assert set(pd["counters"]) == {"accepted"}, pd  # nothing refused
    print(f"pagerduty flow timings: {flow.seconds}")
