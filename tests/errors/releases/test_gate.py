"""The release gate: new or regressed unresolved issues of a release in an environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from tests.errors.releases.support import (
    API,
    add_issue,
    regress,
    release_app,
    resolve,
    session_of,
    short_ids,
)

from warroom.errors.models import IssueStatus, ResolveMode
from warroom.errors.releases import gate

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def check(engine: Engine, release: str, environment: str = "staging") -> gate.GateResult:
    with session_of(engine) as session:
        return gate.check(session, API, "api", release, environment)


def test_new_issue_in_staging_fails_the_gate(engine: Engine) -> None:
    with session_of(engine) as session:
        add_issue(session, 1, [("1.1", "staging", T0)], title="KeyError: 'cart'")
        session.commit()
    result = check(engine, "1.1")
    assert not result.passed
    [issue] = result.issues
    assert (issue.short_id, issue.title, issue.reason) == ("API-1", "KeyError: 'cart'", "new")
    assert result.release_known


def test_issue_seen_in_an_earlier_release_is_not_new(engine: Engine) -> None:
    with session_of(engine) as session:
        add_issue(session, 1, [("1.0", "staging", T0), ("1.1", "staging", T0 + timedelta(hours=1))])
        session.commit()
    assert check(engine, "1.1").passed
    assert not check(engine, "1.0").passed


def test_new_is_per_environment(engine: Engine) -> None:
    """An issue production saw in 1.0 is still new in staging when staging first sees it."""
    with session_of(engine) as session:
        add_issue(
            session, 1, [("1.0", "production", T0), ("1.1", "staging", T0 + timedelta(hours=1))]
        )
        session.commit()
    assert short_ids_of(check(engine, "1.1", "staging")) == ["API-1"]
    assert check(engine, "1.1", "production").passed


def short_ids_of(result: gate.GateResult) -> list[str]:
    return [issue.short_id for issue in result.issues]


def test_resolved_in_next_release_and_a_clean_release_passes(engine: Engine) -> None:
    with session_of(engine) as session:
        issue = add_issue(session, 1, [("1.1", "staging", T0)])
        session.commit()
        assert not check(engine, "1.1").passed
        resolve(session, issue.id, ResolveMode.NEXT_RELEASE, "1.1")
        session.commit()
    assert check(engine, "1.1").passed  # resolved issues never fail it
    result = check(engine, "1.2")
    assert result.passed
    assert not result.release_known


def test_regressed_issue_fails_the_gate(engine: Engine) -> None:
    with session_of(engine) as session:
        issue = add_issue(session, 1, [("1.1", "staging", T0)])
        resolve(session, issue.id, ResolveMode.NEXT_RELEASE, "1.1")
        regress(session, issue.id, "1.3", "staging", T0 + timedelta(days=1))
        session.commit()
    result = check(engine, "1.3")
    assert [(i.short_id, i.reason) for i in result.issues] == [("API-1", "regressed")]
    assert check(engine, "1.3", "production").passed


def test_ignored_issues_and_other_projects_do_not_count(engine: Engine) -> None:
    with session_of(engine) as session:
        add_issue(session, 1, [("1.1", "staging", T0)], status=IssueStatus.IGNORED)
        add_issue(session, 1, [("1.1", "staging", T0)], project_id=7)
        session.commit()
    assert check(engine, "1.1").passed


def test_gate_over_the_api(engine: Engine, tmp_path: Path) -> None:
    with release_app(engine, tmp_path) as api:
        with session_of(engine) as session:
            add_issue(session, 3, [("1.1", "staging", T0)])
            add_issue(session, 4, [("1.1", "staging", T0 + timedelta(minutes=5))])
            session.commit()
        params = {"project": "api", "environment": "staging"}
        body = api.ok("GET", "/api/v1/releases/1.1/gate", params=params)
        assert body["passed"] is False
        assert short_ids(body) == ["API-3", "API-4"]
        assert body["issues"][0]["reason"] == "new"
        assert api.ok("GET", "/api/v1/releases/1.2/gate", params=params)["passed"] is True

        unknown = api.get("/api/v1/releases/1.1/gate", params={**params, "project": "nope"})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["field"] == "project"
        missing = api.get("/api/v1/releases/1.1/gate", params={"project": "api"})
        assert missing.status_code == 422
        assert missing.json()["error"]["field"] == "environment"
        stranger = api.client.get("/api/v1/releases/1.1/gate", params=params)
        assert stranger.status_code == 401
