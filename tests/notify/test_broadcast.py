"""Broadcast routing: outgoing webhooks filtered by team and minimum severity, the incidents
channel on a severity raised into ``broadcast_severities``, and job re-runs never doubling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.notify.helpers import PUBLIC_URL, config_text, deliveries
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from tests.support.sinks import HttpSink, SmtpSink
from warroom.db.engine import make_session_factory
from warroom.incidents.events import INCIDENT_EVENT_JOB, IncidentEvent
from warroom.incidents.models import Incident
from warroom.jobs.models import Job
from warroom.notify import broadcast


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, HttpSink]]:
    monkeypatch.setenv("WARROOM_TEST_HOOK_SECRET", "s3cret")
    with HttpSink() as audit, HttpSink() as payments_only, HttpSink() as major_only:
        yield {"audit": audit, "payments-only": payments_only, "major-only": major_only}


@pytest.fixture
def app(
    engine: Engine, tmp_path: Path, smtp: SmtpSink, hooks: dict[str, HttpSink]
) -> Iterator[Harness]:
    text = (
        config_text(smtp.port, hooks["audit"].url)
        + f"""
    - slug: payments-only
      url: "{hooks["payments-only"].url}"
      secret_env: WARROOM_TEST_HOOK_SECRET
      teams: [payments]
    - slug: major-only
      url: "{hooks["major-only"].url}"
      secret_env: WARROOM_TEST_HOOK_SECRET
      min_severity: SEV2
"""
    )
    path = tmp_path / "warroom.yaml"
    path.write_text(text)
    with running_app(engine, path, FakeClock(), public_url=PUBLIC_URL) as harness:
        yield harness


def titles(sink: HttpSink) -> list[str]:
    return [request.json()["incident"]["title"] for request in sink.received()]


def test_webhooks_get_only_their_teams_and_severities(
    app: Harness, hooks: dict[str, HttpSink]
) -> None:
    app.declare(title="Payments minor", severity="SEV3", team="payments")
    app.declare(title="Search major", severity="SEV2", team="search")
    app.declare(title="Search critical", severity="SEV1", team="search")
    app.drain()

    assert sorted(titles(hooks["audit"])) == [
        "Payments minor",
        "Search critical",
        "Search major",
    ]
    assert titles(hooks["payments-only"]) == ["Payments minor"]
    assert sorted(titles(hooks["major-only"])) == ["Search critical", "Search major"]


def test_raising_the_severity_into_the_broadcast_list_tells_the_incidents_channel(
    app: Harness, smtp: SmtpSink, hooks: dict[str, HttpSink]
) -> None:
    app.declare(title="Payments minor", severity="SEV3", team="payments")
    app.drain()
    assert smtp.to("incidents@example.com") == []

    app.ok("POST", "/api/v1/incidents/INC-1/severity", json={"severity": "SEV1"})
    app.drain()

    [mail] = smtp.to("incidents@example.com")
    assert "SEV1" in mail.subject
    events = [r.json()["event"] for r in hooks["major-only"].received()]
    assert events == ["incident.severity_changed"]


def test_running_an_event_again_enqueues_nothing_twice(
    app: Harness, hooks: dict[str, HttpSink]
) -> None:
    app.declare(title="Payments minor", severity="SEV3", team="payments")
    app.drain()
    before = [(d.key, d.status) for d in deliveries(app)]
    assert before

    with make_session_factory(app.engine)() as session:
        [job] = session.scalars(select(Job).where(Job.kind == INCIDENT_EVENT_JOB))
        event = IncidentEvent.from_payload(job.payload)
        incident = session.get(Incident, event.incident_id)
        assert incident is not None
        broadcast.on_incident_event(session, app.live_config.current, incident, event, app.clock())
        session.commit()
    app.drain()

    assert [(d.key, d.status) for d in deliveries(app)] == before
    assert len(hooks["audit"].received()) == 1
