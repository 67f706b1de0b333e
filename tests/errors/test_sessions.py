"""Release health on both databases: single sessions counted once at their latest status,
aggregates, distinct and crashed users, crash-free rates, the health API, bad items."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.errors.health_support import send_items, session_update
from tests.errors.support import PROJECT_ID, envelope, error_app, post_envelope, session_of
from tests.support.api import Harness

from warroom.errors.sessions import crash_free
from warroom.ingest.sentry.models import ErrorItem, ItemOutcome

HEALTH = "/api/v1/projects/api/health"


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def only(api: Harness, **params: str) -> dict[str, object]:
    (row,) = api.ok("GET", HEALTH, params=params)
    assert isinstance(row, dict)
    return row


def test_the_captured_aggregate_counts_sessions_and_crashes(api: Harness) -> None:
    assert post_envelope(api, envelope("envelope_sessions_aggregate.txt")).status_code == 200
    api.drain()
    row = only(api)
    assert (row["release"], row["environment"]) == ("myapp@1.2.4", "production")
    assert (row["sessions"], row["exited"], row["crashed"]) == (4, 3, 1)
    assert row["crash_free_sessions"] == pytest.approx(75.0)
    assert row["crash_free_users"] is None  # no did in the aggregate


def test_a_session_counts_once_at_its_latest_status(api: Harness) -> None:
    sid = uuid.uuid4().hex
    send_items(api, session_update(sid, init=True, did="u1"))
    api.drain()
    assert (only(api)["sessions"], only(api)["errored"]) == (1, 0)
    send_items(api, session_update(sid, errors=1, did="u1"))
    api.drain()
    assert (only(api)["sessions"], only(api)["errored"]) == (1, 1)
    send_items(api, session_update(sid, status="crashed", errors=2, did="u1"))
    api.drain()
    row = only(api)
    assert (row["sessions"], row["errored"], row["crashed"]) == (1, 0, 1)
    assert (row["users"], row["crashed_users"]) == (1, 1)
    send_items(api, session_update(sid, status="exited", did="u1"))  # ended: no change
    api.drain()
    assert (only(api)["crashed"], only(api)["exited"]) == (1, 0)


def test_exited_with_errors_is_errored_and_clean_exit_is_exited(api: Harness) -> None:
    one, two, three = (uuid.uuid4().hex for _ in range(3))
    send_items(
        api,
        session_update(one, init=True, did="a"),
        session_update(two, init=True, did="b"),
        session_update(three, init=True, did="b"),
        session_update(one, status="exited", errors=3),
        session_update(two, status="exited"),
        session_update(three, status="abnormal"),
    )
    api.drain()
    row = only(api)
    assert (row["sessions"], row["errored"], row["exited"], row["abnormal"]) == (3, 1, 1, 1)
    assert (row["crashed"], row["crash_free_sessions"]) == (0, 100.0)
    assert (row["users"], row["crashed_users"], row["crash_free_users"]) == (2, 0, 100.0)


def test_crash_free_rates_per_release_environment_and_window(api: Harness) -> None:
    early = "2026-03-02T08:00:00Z"
    items = [
        session_update(uuid.uuid4().hex, init=True, did=f"u{n}", status="exited") for n in range(8)
    ]
    items += [
        session_update(uuid.uuid4().hex, init=True, did="u0", status="crashed"),
        session_update(uuid.uuid4().hex, init=True, did="x", status="crashed", started=early),
        session_update(uuid.uuid4().hex, init=True, environment="staging", status="crashed"),
    ]
    send_items(api, *items)
    api.drain()
    with session_of(api.engine) as session:
        since = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
        sessions_rate, users_rate = crash_free(session, PROJECT_ID, "api@1.2", "production", since)
        assert sessions_rate == pytest.approx(8 / 9)
        assert users_rate == pytest.approx(7 / 8)
        everything = crash_free(session, PROJECT_ID, "api@1.2", None, None)
        assert everything[0] == pytest.approx(8 / 11)
        assert crash_free(session, PROJECT_ID, "api@9", None, None) == (None, None)
    staging = only(api, environment="staging")
    assert staging["crash_free_sessions"] == 0.0


def test_health_api_filters_by_release(api: Harness) -> None:
    send_items(
        api,
        session_update(uuid.uuid4().hex, init=True, release="api@1.2"),
        session_update(uuid.uuid4().hex, init=True, release="api@1.3"),
    )
    api.drain()
    assert [r["release"] for r in api.ok("GET", HEALTH)] == ["api@1.2", "api@1.3"]
    assert only(api, release="api@1.3")["sessions"] == 1
    assert api.get("/api/v1/projects/nope/health").status_code == 404


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("session", {"sid": "a", "status": "ok"}, "session: attrs is required"),
        ("session", {"sid": "a", "attrs": {"environment": "x"}}, "attrs.release is required"),
        ("session", {"attrs": {"release": "r"}}, "sid is required"),
        ("session", {"sid": "a", "status": "weird", "attrs": {"release": "r"}}, "status 'weird'"),
        ("session", {"sid": "a", "errors": -1, "attrs": {"release": "r"}}, "errors is not"),
        ("session", {"sid": "a", "started": "yesterday", "attrs": {"release": "r"}}, "started"),
        ("sessions", {"attrs": {"release": "r"}}, "aggregates is required"),
        ("sessions", {"attrs": {"release": "r"}, "aggregates": [{"exited": 1}]}, "started"),
    ],
)
def test_bad_session_items_are_invalid_with_the_field(
    api: Harness, kind: str, payload: dict[str, object], reason: str
) -> None:
    send_items(api, (kind, payload))
    api.drain()
    with session_of(api.engine) as session:
        item = session.scalar(select(ErrorItem))
        assert item is not None
        assert item.outcome is ItemOutcome.INVALID
        assert item.reason is not None and reason in item.reason


def test_sessions_are_bucketed_by_the_minute_they_started(api: Harness) -> None:
    started = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    send_items(api, session_update(uuid.uuid4().hex, init=True, started=started.isoformat()))
    api.drain()
    later = (started + timedelta(minutes=1)).isoformat()
    assert api.ok("GET", HEALTH, params={"since": later}) == []
    assert only(api, since=started.isoformat())["sessions"] == 1
