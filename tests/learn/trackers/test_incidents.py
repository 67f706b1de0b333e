"""A team with ``track_incidents``: each incident gets one issue, closed while resolved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.learn.trackers.conftest import Servers, Sync
from tests.support.api import Harness, running_app
from warroom.incidents.models import Incident
from warroom.learn.trackers.models import IssueState, SubjectKind
from warroom.notify.models import Channel


@pytest.fixture
def app(engine: Engine, config_path: Path, sync: Sync) -> Iterator[Harness]:
    with running_app(engine, config_path, sync.clock) as harness:
        yield harness


def tracker_deliveries(sync: Sync) -> list[str]:
    return [d.key for d in sync.deliveries() if d.channel is Channel.TRACKER]


def test_an_incident_of_a_tracking_team_gets_one_issue(
    app: Harness, sync: Sync, servers: Servers
) -> None:
    incident = app.declare(title="Checkout returns 503", team="payments")
    app.drain()
    assert len(tracker_deliveries(sync)) == 1
    sync.run()
    (issue,) = servers.github.issues.values()
    assert issue["title"] == f"{incident['ref']}: Checkout returns 503"
    assert issue["state"] == "open"
    assert f"http://127.0.0.1:8000/incidents/{incident['ref']}" in issue["body"]
    assert issue["labels"] == [{"name": "warroom"}, {"name": "incident"}, {"name": "SEV1"}]

    app.ok("POST", f"/api/v1/incidents/{incident['ref']}/actions/resolve", json={})
    app.drain()
    sync.run()
    assert list(servers.github.issues) == ["1"]
    assert servers.github.issues["1"]["state"] == "closed"
    with sync.session_factory() as session:
        incident_id = session.scalar(
            select(Incident.id).where(Incident.number == int(incident["ref"].split("-")[1]))
        )
    assert incident_id is not None
    row = sync.issue("github", SubjectKind.INCIDENT, incident_id)
    assert (row.external_id, row.state) == ("1", IssueState.CLOSED)


def test_an_incident_of_another_team_is_not_tracked(
    app: Harness, sync: Sync, servers: Servers
) -> None:
    app.declare(title="Search is slow", team="search")
    app.drain()
    assert tracker_deliveries(sync) == []
