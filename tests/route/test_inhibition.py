"""Inhibition: a firing DatacenterDown mutes ServiceUnreachable in the same datacenter."""

from __future__ import annotations

from typing import Any

from tests.alerts.support import alerts, am_alert, incidents, send
from tests.support.api import Harness


def datacenter_down(status: str = "firing") -> dict[str, Any]:
    return am_alert(
        "DatacenterDown", status=status, datacenter="eu1", severity="critical", team="platform"
    )


def unreachable(datacenter: str, instance: str = "checkout-1") -> dict[str, Any]:
    return am_alert(
        "ServiceUnreachable",
        datacenter=datacenter,
        instance=instance,
        severity="critical",
        service="checkout-api",
    )


def test_firing_source_mutes_targets_with_the_same_datacenter_only(api: Harness) -> None:
    send(api, datacenter_down(), group_key="dc")
    send(api, unreachable("eu1"), group_key="svc-eu1")
    send(api, unreachable("us1"), group_key="svc-us1")
    source, eu1, us1 = alerts(api)
    assert source["muted_by"] is None
    assert eu1["muted_by"] is not None
    assert eu1["muted_by"].startswith(f"inhibited by alert {source['id']} (DatacenterDown")
    assert eu1["decision"] == "muted"
    assert eu1["incident"] is None
    assert us1["muted_by"] is None
    assert us1["decision"] == "incident"
    assert sorted(i["team"] for i in incidents(api)) == ["checkout", "platform"]


def test_once_the_source_resolves_a_new_target_is_not_muted(api: Harness) -> None:
    send(api, datacenter_down(), group_key="dc")
    send(api, unreachable("eu1"), group_key="svc-eu1")
    api.clock.advance(minutes=10)
    send(api, datacenter_down("resolved"), group_key="dc")
    api.clock.advance(minutes=1)
    send(api, unreachable("eu1", instance="checkout-2"), group_key="svc-eu1-b")
    _source, _first, second = alerts(api)
    assert second["muted_by"] is None
    assert second["decision"] == "incident"
    assert second["incident"] is not None


def test_a_target_still_firing_when_the_source_resolves_goes_through_the_rules(
    api: Harness,
) -> None:
    send(api, datacenter_down(), group_key="dc")
    send(api, unreachable("eu1"), group_key="svc-eu1")
    assert alerts(api)[1]["decision"] == "muted"
    api.clock.advance(minutes=10)
    send(api, datacenter_down("resolved"), group_key="dc")
    _source, target = alerts(api)
    assert target["muted_by"] is None
    assert target["decision"] == "incident"
    assert target["incident"] is not None
