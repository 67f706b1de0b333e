"""PagerDuty change events that name a release become deploys (same transaction)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from tests.errors.releases.support import API, release_app, session_of
from tests.ingest.test_pagerduty_changes import CHANGE, PROCESSED, change_event

from warroom.errors.releases.models import Deploy, DeploySource, Release
from warroom.ingest.models import ServiceChange


def send(api: Any, **payload: Any) -> None:
    answer = api.ingest(CHANGE, json=change_event(**payload))
    assert (answer.status_code, answer.content) == (202, PROCESSED), answer.text


def deploys(engine: Engine) -> list[tuple[str, str, str | None, DeploySource, int | None]]:
    with session_of(engine) as session:
        rows = session.execute(
            select(
                Release.version,
                Deploy.environment,
                Deploy.url,
                Deploy.source,
                Deploy.service_change_id,
            )
            .join(Release, Release.id == Deploy.release_id)
            .order_by(Deploy.id)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_change_naming_a_release_is_a_deploy_of_the_services_projects(
    engine: Engine, tmp_path: Path
) -> None:
    with release_app(engine, tmp_path) as api:
        details = {"service": "payments-api", "release": "1.4.0", "environment": "staging"}
        send(api, custom_details=details)
        [(version, environment, url, source, change_id)] = deploys(engine)
        assert (version, environment, url, source) == (
            "1.4.0",
            "staging",
            "https://ci.example.com/builds/2231",
            DeploySource.CHANGE_EVENT,
        )
        with session_of(engine) as session:
            change = session.scalar(select(ServiceChange))
            assert change is not None and change.id == change_id
        [release] = api.ok("GET", "/api/v1/releases", params={"project": "api"})
        assert release["projects"] == ["api"]
        assert release["deploys"][0]["finished_at"] == "2026-03-02T08:40:00Z"


def test_project_and_version_keys_and_default_environment(engine: Engine, tmp_path: Path) -> None:
    with release_app(engine, tmp_path) as api:
        send(api, custom_details={"version": 2231, "project": "web"})
        [(version, environment, *_rest)] = deploys(engine)
        assert (version, environment) == ("2231", "production")


def test_changes_without_a_release_or_project_are_no_deploys(
    engine: Engine, tmp_path: Path
) -> None:
    with release_app(engine, tmp_path) as api:
        send(api)  # the documentation's example: a build number, no release
        send(api, custom_details={"release": "1.0", "service": "search-api"})  # no project
        send(api, custom_details={"release": "a/b", "project": "api"})  # not a release name
        assert deploys(engine) == []
        assert len(api.ok("GET", "/api/v1/changes")) == 3
        with session_of(engine) as session:
            assert session.scalars(select(Release)).all() == []
    assert API == 42
