"""Flapping: an alert that keeps firing and resolving joins its open incident instead of
starting a new one each time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.alerts.support import alerts, am_alert, custom_app, incidents, send
from tests.support.api import Harness

FP = "f1a9f1a9f1a9f1a9"


def flappy_config(doc: dict[str, Any]) -> None:
    # Without grouping, each new episode would open its own incident.
    doc["alert_rules"] = [{"name": "every-episode", "group_by": "none"}]
    doc["alerts"] = {"flapping": {"transitions": 4, "within": "1h"}}


@pytest.fixture
def flappy(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with custom_app(engine, tmp_path, flappy_config) as harness:
        yield harness


def fire(api: Harness) -> None:
    api.clock.advance(minutes=2)
    starts = api.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    send(api, am_alert("LinkDown", starts=starts, fingerprint=FP, service="payments-api"))


def resolve(api: Harness) -> None:
    api.clock.advance(minutes=2)
    ends = api.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    send(api, am_alert("LinkDown", status="resolved", ends=ends, fingerprint=FP))


def test_flapping_alert_joins_the_open_incident_instead_of_opening_new_ones(
    flappy: Harness,
) -> None:
    fire(flappy)  # transition 1
    resolve(flappy)  # 2
    fire(flappy)  # 3: not flapping yet, so a second incident
    assert len(incidents(flappy)) == 2
    resolve(flappy)  # 4: now flapping
    episodes = alerts(flappy)
    assert [a["flapping"] for a in episodes] == [False, True]
    second_incident = episodes[1]["incident"]

    for _ in range(3):
        fire(flappy)
        resolve(flappy)
    fire(flappy)

    assert len(incidents(flappy)) == 2
    episodes = alerts(flappy)
    assert len(episodes) == 6
    for episode in episodes[2:]:
        assert episode["flapping"] is True
        assert episode["decision"] == "flapping"
        assert episode["incident"] == second_incident
    assert episodes[-1]["status"] == "firing"
    detail = flappy.ok("GET", f"/api/v1/alerts/{episodes[1]['id']}")
    assert "flapping" in [e["kind"] for e in detail["events"]]


def test_a_quiet_alert_is_not_flapping(flappy: Harness) -> None:
    fire(flappy)
    resolve(flappy)
    flappy.clock.advance(hours=2)  # the earlier changes leave the window
    fire(flappy)
    resolve(flappy)
    flappy.clock.advance(hours=2)
    fire(flappy)
    episodes = alerts(flappy)
    assert [a["flapping"] for a in episodes] == [False, False, False]
    assert [a["decision"] for a in episodes] == ["incident"] * 3
    assert len(incidents(flappy)) == 3


def test_a_flapping_alert_pages_and_notifies_nobody_again(flappy: Harness) -> None:
    from tests.notify.helpers import deliveries

    fire(flappy)
    resolve(flappy)
    fire(flappy)
    resolve(flappy)  # flapping from here on
    sent = sorted(d.key for d in deliveries(flappy))
    assert sent  # the two incidents did notify their team

    for _ in range(3):
        fire(flappy)
        resolve(flappy)
    fire(flappy)
    flappy.clock.advance(minutes=30)  # past any escalation step of the joined incident
    flappy.drain()

    assert [a["decision"] for a in alerts(flappy)][2:] == ["flapping"] * 4
    assert sorted(d.key for d in deliveries(flappy)) == sent
