"""A warroom with more heartbeat integrations than the shared fixture, on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from tests.conftest import TEST_CONFIG
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock
from warroom.db.engine import make_session_factory
from warroom.ingest.models import Heartbeat

NIGHTLY_KEY = "beat-test-key-0123456789"  # cron 0 3 * * * Europe/Prague, grace 30m
SWEEPER_KEY = "sweep-test-key-0123456789"  # interval 15m, grace 5m
REPORT_KEY = "report-test-key-0123456789"  # cron 30 2 * * * Europe/Prague, grace 15m
CHATTY_KEY = "chatty-test-key-0123456789"  # rate limited to a burst of 1

EXTRA_INTEGRATIONS: list[dict[str, Any]] = [
    {
        "slug": "queue-sweeper",
        "kind": "heartbeat",
        "key": SWEEPER_KEY,
        "team": "checkout",
        "heartbeat": {
            "interval": "15m",
            "grace": "5m",
            "title": "Queue sweeper stopped",
            "severity": "warning",
        },
    },
    {
        "slug": "early-report",
        "kind": "heartbeat",
        "key": REPORT_KEY,
        "team": "payments",
        "heartbeat": {"cron": "30 2 * * *", "timezone": "Europe/Prague", "grace": "15m"},
    },
    {
        "slug": "chatty",
        "kind": "heartbeat",
        "key": CHATTY_KEY,
        "team": "platform",
        "rate_limit": {"per_second": 0.001, "burst": 1},
        "heartbeat": {"interval": "1h"},
    },
]


def write_config(path: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """The shared test config plus the extra heartbeats, minus the slugs in ``drop``."""
    doc = yaml.safe_load(TEST_CONFIG.read_text())
    doc["integrations"] = [
        i for i in [*doc["integrations"], *EXTRA_INTEGRATIONS] if i["slug"] not in drop
    ]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "warroom.yaml")


AppAt = Callable[[datetime], Harness]


@pytest.fixture
def app_at(engine: Engine, config_path: Path) -> Iterator[AppAt]:
    """Start the app with its clock at a given moment (one app per test)."""
    with ExitStack() as stack:

        def start(moment: datetime) -> Harness:
            return stack.enter_context(running_app(engine, config_path, FakeClock(moment)))

        yield start


@pytest.fixture
def beats(app_at: AppAt) -> Harness:
    """The app at the FakeClock's default start, Monday 2026-03-02 09:00 UTC."""
    return app_at(FakeClock().now)


def heartbeat_row(harness: Harness, slug: str) -> Heartbeat | None:
    with make_session_factory(harness.engine)() as session:
        return session.get(Heartbeat, slug)


def ping(harness: Harness, key: str, **kwargs: Any) -> Any:
    return harness.ingest(f"/ingest/heartbeat/{key}", **kwargs)


def alerts(harness: Harness, integration: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = harness.ok("GET", "/api/v1/alerts")["items"]
    return [a for a in items if a["integration"] == integration]
