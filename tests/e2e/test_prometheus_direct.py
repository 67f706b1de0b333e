"""Prometheus → warroom without Alertmanager: warroom speaks Alertmanager's v2 alerts API,
reached with the key in ``path_prefix`` or as the bearer token of ``authorization``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.flows import assert_common, run_flow
from tests.e2e.stack import (
    AM_SLUG,
    Stack,
    Warroom,
    direct_with_authorization,
    direct_with_path_prefix,
)
from warroom.ingest.alertmanager import labels_fingerprint

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("needs_prometheus")]


@pytest.mark.parametrize(
    "send_to",
    [direct_with_path_prefix, direct_with_authorization],
    ids=["path_prefix", "authorization"],
)
def test_prometheus_sends_straight_to_warroom(
    stack: Stack, send_to: Callable[[Warroom], dict[str, Any]]
) -> None:
    warroom = stack.warroom()
    target = stack.target()
    stack.prometheus(target, send_to(warroom))

    flow = run_flow(stack, warroom, target, AM_SLUG)

    assert_common(warroom, flow, AM_SLUG, "alertmanager")
    alert = flow.fired_alert
    # Prometheus sends no fingerprint: warroom derives one from the labels, stably.
    assert alert["identity"] == labels_fingerprint(alert["labels"])
    assert alert["group_key"] is None
    assert alert["title"] == "QueueBacklog: Checkout queue backlog above 100 orders"
    assert alert["labels"]["instance"]
    am = next(i for i in warroom.get("/api/v1/integrations") if i["slug"] == AM_SLUG)
    assert set(am["counters"]) == {"accepted"}, am  # nothing refused
    print(f"direct ({send_to.__name__}) flow timings: {flow.seconds}")
