"""The noise report names a planted noisy alert (fires often, resolves on its own within
minutes, never acknowledged) with the right hints, and leaves a real alert alone. The alerts
go through the real intake and pipeline (Alertmanager webhook, dedup, rules, incidents)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.alerts.support import alerts, am_alert, send
from tests.support.api import Harness

NOISE = "/api/v1/insights/noise"


def _iso(api: Harness, offset: timedelta = timedelta(0)) -> str:
    return (api.clock() + offset).isoformat().replace("+00:00", "Z")


def _fire_and_resolve(
    api: Harness, name: str, fingerprint: str, service: str, lasts: timedelta, acknowledge: bool
) -> None:
    starts = _iso(api)
    group = f'{{}}:{{alertname="{name}"}}'
    send(
        api,
        am_alert(name, starts=starts, fingerprint=fingerprint, service=service),
        group_key=group,
    )
    if acknowledge:
        ref = [a for a in alerts(api) if a["status"] == "firing"][-1]["incident"]
        incident = api.ok("GET", f"/api/v1/incidents/{ref}")
        if incident["acknowledged_at"] is None:
            api.ok("POST", f"/api/v1/incidents/{ref}/actions/acknowledge", json={})
    api.clock.advance(seconds=lasts.total_seconds())
    send(
        api,
        am_alert(
            name,
            status="resolved",
            starts=starts,
            ends=_iso(api),
            fingerprint=fingerprint,
            service=service,
        ),
        group_key=group,
    )
    api.clock.advance(hours=2)


def _row(body: dict[str, Any], name: str) -> dict[str, Any]:
    rows = [a for a in body["alerts"] if a["name"] == name]
    assert len(rows) == 1, body["alerts"]
    return rows[0]


def test_the_planted_noisy_alert_is_named_with_its_hints(api: Harness) -> None:
    for _ in range(8):
        _fire_and_resolve(
            api, "DiskIOSpike", "noisy", "postgres-primary", timedelta(minutes=2), False
        )
    for _ in range(5):
        _fire_and_resolve(api, "PaymentsDown", "real", "payments-api", timedelta(minutes=30), True)

    body = api.ok("GET", NOISE)
    assert body["auto_resolve_within_seconds"] == 300
    assert body["min_fires"] == 5
    # The noisiest first. (The clock runs over the fixture's nightly heartbeat, whose
    # missed-ping alert is in the report too.)
    names = [a["name"] for a in body["alerts"] if a["integration"] == "am"]
    assert names == ["DiskIOSpike", "PaymentsDown"]
    noisy = _row(body, "DiskIOSpike")
    assert noisy["integration"] == "am"
    assert noisy["team"] == "platform"
    assert noisy["fires"] == 8
    assert noisy["led_to_acknowledged"] == 0
    assert noisy["never_acknowledged"] == 8
    assert noisy["auto_resolved"] == 8
    assert noisy["flapping"] == 0
    assert noisy["acknowledged_incidents"] == 0
    assert noisy["pages_per_acknowledged_incident"] is None
    assert noisy["hints"] == [
        {
            "kind": "raise_for",
            "advice": "raise its for: duration above 2m",
            "evidence": "8 of 8 fires (100%) resolved on their own within 5m; "
            "p90 2m from start to resolution",
        },
        {
            "kind": "delete",
            "advice": "delete it, or make it a ticket instead of an incident",
            "evidence": "8 fires, none led to an acknowledged incident",
        },
    ]

    real = _row(body, "PaymentsDown")
    assert real["team"] == "payments"
    assert real["fires"] == 5
    assert real["led_to_acknowledged"] == 5
    assert real["never_acknowledged"] == 0
    assert real["auto_resolved"] == 0
    assert real["acknowledged_incidents"] == real["incidents"] >= 1
    assert real["hints"] == []


def test_too_few_fires_get_no_hint(api: Harness) -> None:
    for _ in range(4):
        _fire_and_resolve(
            api, "DiskIOSpike", "noisy", "postgres-primary", timedelta(minutes=2), False
        )
    noisy = _row(api.ok("GET", NOISE), "DiskIOSpike")
    assert (noisy["fires"], noisy["auto_resolved"], noisy["hints"]) == (4, 4, [])


def test_an_alert_outside_the_window_is_not_counted(api: Harness) -> None:
    _fire_and_resolve(api, "DiskIOSpike", "noisy", "postgres-primary", timedelta(minutes=2), False)
    body = api.ok("GET", NOISE, params={"since": _iso(api, timedelta(minutes=-30))})
    assert body["alerts"] == []


def test_a_drills_alerts_are_left_out_unless_asked_for(api: Harness) -> None:
    starts = _iso(api)
    drill = am_alert("CheckoutDown", starts=starts, fingerprint="drill", warroom_drill="tok123")
    send(api, drill, group_key='{}:{alertname="CheckoutDown"}')
    api.clock.advance(minutes=5)
    assert api.ok("GET", NOISE)["alerts"] == []
    with_drills = api.ok("GET", NOISE, params={"include_drills": "true"})
    assert [a["name"] for a in with_drills["alerts"]] == ["CheckoutDown"]
