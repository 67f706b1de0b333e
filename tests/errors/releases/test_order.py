"""Release order: semver where both names parse, else when the project first saw each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from tests.errors.releases.support import API, add_issue, session_of

from warroom.errors.releases import service
from warroom.errors.releases.commands import NewRelease
from warroom.errors.releases.order import ReleaseOrder, parse, semver_compare

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("1.2.3", ("", "1.2.3")),
        ("v1.2.3", ("", "1.2.3")),
        ("1.2", ("", "1.2.0")),
        ("api@2.0.0-rc.1", ("api", "2.0.0-rc.1")),
        ("my@pkg@1.0.0+build.5", ("my@pkg", "1.0.0+build.5")),
    ],
)
def test_semver_names_parse(name: str, parsed: tuple[str, str]) -> None:
    found = parse(name)
    assert found is not None
    assert (found[0], str(found[1])) == parsed


@pytest.mark.parametrize("name", ["abc123", "2026-03-02", "1.2.3.4", "api@nightly", ""])
def test_other_names_do_not_parse(name: str) -> None:
    assert parse(name) is None


def test_semver_compare_only_within_one_package() -> None:
    assert semver_compare("1.10.0", "1.9.0") == 1
    assert semver_compare("1.0.0-rc.1", "1.0.0") == -1
    assert semver_compare("api@1.0.0", "api@2.0.0") == -1
    assert semver_compare("api@1.0.0", "web@2.0.0") is None
    assert semver_compare("1.0.0", "abc123") is None


def _record(engine: Engine, version: str, at: datetime, project_id: int = API) -> None:
    with session_of(engine) as session:
        service.record_release(session, NewRelease(version, [project_id]), at)
        session.commit()


def test_semver_wins_over_first_seen(engine: Engine) -> None:
    _record(engine, "1.10.0", T0)
    _record(engine, "1.9.0", T0 + timedelta(hours=1))
    with session_of(engine) as session:
        order = ReleaseOrder(session, API)
        assert order.newer("1.10.0", "1.9.0")
        assert not order.newer("1.9.0", "1.10.0")
        assert service.newest_release(session, API) == "1.10.0"


def test_non_semver_names_go_by_first_seen(engine: Engine) -> None:
    _record(engine, "abc123", T0 + timedelta(hours=2))
    _record(engine, "fff000", T0)
    with session_of(engine) as session:
        order = ReleaseOrder(session, API)
        assert order.newer("abc123", "fff000")
        assert order.ordered(["abc123", "fff000"]) == ["fff000", "abc123"]
        assert service.newest_release(session, API) == "abc123"


def test_first_event_counts_as_first_seen(engine: Engine) -> None:
    """A release named by an event before anyone recorded it was first seen at that event."""
    with session_of(engine) as session:
        add_issue(session, 1, [("deadbeef", "production", T0)])
        session.commit()
    _record(engine, "cafe01", T0 + timedelta(minutes=30))
    _record(engine, "deadbeef", T0 + timedelta(hours=1))
    with session_of(engine) as session:
        order = ReleaseOrder(session, API)
        assert order.first_seen("deadbeef") == T0
        assert order.newer("cafe01", "deadbeef")


def test_mixed_names_fall_back_to_first_seen(engine: Engine) -> None:
    _record(engine, "2.0.0", T0)
    _record(engine, "hotfix-7", T0 + timedelta(hours=1))
    _record(engine, "api@3.0.0", T0 + timedelta(hours=2))
    with session_of(engine) as session:
        order = ReleaseOrder(session, API)
        assert order.newer("hotfix-7", "2.0.0")
        assert order.newer("api@3.0.0", "hotfix-7")
        assert order.newer("api@3.0.0", "2.0.0")  # different package: by time


def test_never_seen_release_counts_as_newest(engine: Engine) -> None:
    _record(engine, "abc", T0)
    with session_of(engine) as session:
        order = ReleaseOrder(session, API)
        assert order.newer("zzz-unknown", "abc")
        assert not order.newer("abc", "zzz-unknown")


def test_first_seen_is_per_project(engine: Engine) -> None:
    _record(engine, "abc", T0 + timedelta(hours=1), project_id=API)
    _record(engine, "def", T0, project_id=API)
    _record(engine, "abc", T0 + timedelta(hours=5), project_id=7)
    with session_of(engine) as session:
        assert ReleaseOrder(session, API).newer("abc", "def")
        assert service.newest_release(session, 7) == "abc"
        assert service.newest_release(session, 999) is None
