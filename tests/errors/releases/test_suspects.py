"""Deploy correlation: the deploy within the window before a new issue's first event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from tests.errors.releases.support import API, release_app, session_of

from warroom.errors.releases import service
from warroom.errors.releases.commands import NewDeploy, NewRelease
from warroom.errors.releases.models import Deploy
from warroom.errors.releases.suspects import SUSPECT_WINDOW, suspect_deploy
from warroom.incidents.enums import TimelineKind
from warroom.incidents.models import Incident, TimelineEntry
from warroom.incidents.suspects import record_suspect

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def deploy(
    engine: Engine, version: str, environment: str, at: datetime, project_id: int = API
) -> int:
    with session_of(engine) as session:
        release, _ = service.record_release(session, NewRelease(version, [project_id]), at)
        row = service.record_deploy(
            session, release, NewDeploy(environment=environment, finished_at=at), at
        )
        session.commit()
        return row.id


def suspect(
    engine: Engine,
    seen_at: datetime,
    environment: str | None = "production",
    release: str | None = None,
) -> int | None:
    with session_of(engine) as session:
        found = suspect_deploy(session, API, environment, release, seen_at)
        return None if found is None else found.id


def test_deploy_within_the_window_is_the_suspect(engine: Engine) -> None:
    assert timedelta(hours=1) == SUSPECT_WINDOW
    deployed = deploy(engine, "1.1", "production", T0)
    assert suspect(engine, T0 + timedelta(minutes=10)) == deployed
    assert suspect(engine, T0 + SUSPECT_WINDOW) == deployed
    assert suspect(engine, T0 + SUSPECT_WINDOW + timedelta(seconds=1)) is None
    assert suspect(engine, T0 - timedelta(seconds=1)) is None  # events before the deploy


def test_environment_and_project_must_match(engine: Engine) -> None:
    deploy(engine, "1.1", "staging", T0)
    deploy(engine, "web-9", "production", T0, project_id=7)
    assert suspect(engine, T0 + timedelta(minutes=5)) is None
    staging = suspect(engine, T0 + timedelta(minutes=5), environment="staging")
    assert staging is not None
    assert suspect(engine, T0 + timedelta(minutes=5), environment=None) == staging


def test_the_events_own_release_is_preferred_else_the_latest(engine: Engine) -> None:
    first = deploy(engine, "1.1", "production", T0)
    second = deploy(engine, "1.2", "production", T0 + timedelta(minutes=20))
    later = T0 + timedelta(minutes=30)
    assert suspect(engine, later, release="1.1") == first
    assert suspect(engine, later, release="9.9") == second
    assert suspect(engine, later) == second


def test_suspect_goes_on_the_incident_timeline_once(engine: Engine, tmp_path: Path) -> None:
    with release_app(engine, tmp_path) as api:
        ref = api.declare(title="Checkout errors")["ref"]
        deployed = deploy(engine, "1.1", "production", T0 - timedelta(minutes=12))
        with session_of(engine) as session:
            incident = session.scalar(select(Incident).where(Incident.number == int(ref[4:])))
            row = session.get(Deploy, deployed)
            assert incident is not None and row is not None
            assert record_suspect(
                session, incident, row, T0, issue_short_id="API-1", first_event_at=T0
            )
            session.commit()
            assert not record_suspect(session, incident, row, T0)
            session.commit()
            entries = session.scalars(
                select(TimelineEntry).where(
                    TimelineEntry.incident_id == incident.id,
                    TimelineEntry.kind == TimelineKind.SUSPECT_DEPLOY,
                )
            ).all()
        assert len(entries) == 1
        assert entries[0].text == (
            "Suspect deploy: release 1.1 to production at 2026-03-02 08:48 UTC, "
            "12 min before the first event"
        )
        assert entries[0].after is not None and entries[0].after["deploy_id"] == deployed
        kinds = [e["kind"] for e in api.ok("GET", f"/api/v1/incidents/{ref}/timeline")["entries"]]
        assert "suspect_deploy" in kinds
        shown = api.ok("GET", f"/api/v1/deploys/{deployed}")
        assert (shown["release"], shown["environment"], shown["projects"]) == (
            "1.1",
            "production",
            ["api"],
        )
