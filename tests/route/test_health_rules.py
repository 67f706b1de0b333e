"""Crash-free rules end to end on both databases: a drop in a release's crash-free sessions
rate opens an incident for the project's team, once per interval per release and
environment, within the rule's filters."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.errors.health_support import send_items, session_update
from tests.errors.support import error_app
from tests.support.api import Harness
from warroom.incidents.from_health import CrashFreeDrop, percent, title

RULE = {
    "name": "crash-free",
    "conditions": [{"kind": "crash_free_below", "threshold": 95, "within": "1h"}],
    "environments": ["production"],
    "release": "api@1.*",
    "severity": "SEV2",
    "interval": "30m",
}


def configure(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["issue_rules"] = [{**RULE, **changes}]

    return change


def sessions(
    api: Harness, ok: int, crashed: int, release: str = "api@1.2", environment: str = "production"
) -> None:
    started = api.clock().isoformat()
    items = [
        session_update(
            uuid.uuid4().hex,
            init=True,
            status="crashed" if n < crashed else "exited",
            release=release,
            environment=environment,
            started=started,
        )
        for n in range(ok + crashed)
    ]
    send_items(api, *items)
    api.drain()


def incidents(api: Harness) -> list[dict[str, Any]]:
    return list(api.ok("GET", "/api/v1/incidents")["items"])


def test_a_drop_below_the_threshold_opens_an_incident_for_the_team(
    engine: Engine, tmp_path: Path
) -> None:
    with error_app(engine, tmp_path, configure()) as api:
        sessions(api, ok=50, crashed=1)  # 98.0%: fine
        assert incidents(api) == []
        sessions(api, ok=2, crashed=4)  # 52 of 57 crash-free: 91.2%
        (incident,) = incidents(api)
        assert incident["title"] == (
            "Crash-free sessions of api@1.2 in production at 91.2% (below 95%)"
        )
        assert (incident["team"], incident["severity"]) == ("payments", "SEV2")
        sessions(api, ok=0, crashed=5)  # still low: within the interval, nothing new
        assert len(incidents(api)) == 1
        api.clock.advance(minutes=31)
        sessions(api, ok=0, crashed=1)
        assert len(incidents(api)) == 2


def test_filters_and_minimum_sessions_hold_the_rule_back(engine: Engine, tmp_path: Path) -> None:
    condition = {"kind": "crash_free_below", "threshold": 95, "within": "1h", "more_than": 10}
    with error_app(engine, tmp_path, configure(conditions=[condition])) as api:
        sessions(api, ok=0, crashed=3)  # too few sessions
        sessions(api, ok=0, crashed=20, environment="staging")
        sessions(api, ok=0, crashed=20, release="api@2.0")
        assert incidents(api) == []
        sessions(api, ok=0, crashed=8)  # 11 sessions now, all crashed
        assert [i["title"] for i in incidents(api)] == [
            "Crash-free sessions of api@1.2 in production at 0.0% (below 95%)"
        ]


def test_the_window_forgets_old_crashes(engine: Engine, tmp_path: Path) -> None:
    with error_app(engine, tmp_path, configure()) as api:
        sessions(api, ok=0, crashed=1)
        (first,) = incidents(api)
        api.clock.advance(hours=2)
        sessions(api, ok=30, crashed=1)  # 96.8% within the last hour
        assert [i["number"] for i in incidents(api)] == [first["number"]]


def test_rates_read_down_so_they_never_reach_the_threshold() -> None:
    assert percent(94.99) == "94.9%"
    drop = CrashFreeDrop("api@1", "prod", 99.95, 99.99, 2000, 1, datetime(2026, 3, 2, tzinfo=UTC))
    assert title(drop) == "Crash-free sessions of api@1 in prod at 99.9% (below 99.99%)"
