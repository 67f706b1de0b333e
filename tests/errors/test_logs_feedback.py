"""Log counts per minute and level, and user feedback linked to its event, on both
databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.errors.health_support import send_items
from tests.errors.support import envelope, error_app, post_envelope, session_of
from tests.support.api import Harness

from warroom.ingest.sentry.models import ErrorItem, ItemOutcome

COUNTS = "/api/v1/projects/api/logs/counts"
FEEDBACK = "/api/v1/projects/api/feedback"


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with error_app(engine, tmp_path) as harness:
        yield harness


def test_the_captured_logs_are_counted_per_level(api: Harness) -> None:
    assert post_envelope(api, envelope("envelope_logs.txt")).status_code == 200
    api.drain()
    counts = api.ok("GET", COUNTS)
    assert (counts["total"], counts["levels"]) == (2, {"info": 1, "warn": 1})
    assert {m["minute"][:16] for m in counts["minutes"]} == {"2026-11-22T12:04"}


def test_levels_are_normalised_and_minutes_add_up(api: Harness) -> None:
    records = [
        {"timestamp": 1772442000.5, "level": "warning", "body": "a"},
        {"timestamp": 1772442001.0, "level": "ERROR", "body": "b"},
        {"timestamp": 1772442061.0, "level": "error", "body": "c"},
        {"timestamp": 1772442061.0, "level": "loud", "body": "d"},
    ]
    send_items(api, ("log", {"items": records}), ("log", {"items": records[:1]}))
    api.drain()
    counts = api.ok("GET", COUNTS)
    assert counts["levels"] == {"error": 2, "other": 1, "warn": 2}
    assert len({m["minute"] for m in counts["minutes"]}) == 2
    since = api.ok("GET", COUNTS, params={"since": "2026-03-02T09:01:00Z"})
    assert since["levels"] == {"error": 1, "other": 1}


def test_a_log_item_without_records_is_invalid(api: Harness) -> None:
    send_items(api, ("log", {"records": []}))
    api.drain()
    with session_of(api.engine) as session:
        item = session.scalar(select(ErrorItem))
        assert item is not None and item.outcome is ItemOutcome.INVALID
        assert item.reason == "log: items is required (a list of log records)"


def test_user_reports_and_feedback_are_kept_with_their_event(api: Harness) -> None:
    event_id = uuid.uuid4().hex
    report = {
        "event_id": event_id,
        "name": "Ana",
        "email": "ana@example.com",
        "comments": "It broke",
    }
    widget = {
        "event_id": uuid.uuid4().hex,
        "contexts": {
            "feedback": {
                "message": "Checkout is slow",
                "contact_email": "bo@example.com",
                "url": "https://shop.example.com/cart",
                "associated_event_id": event_id,
            }
        },
    }
    send_items(api, ("user_report", report), ("feedback", widget), ("feedback", {"contexts": {}}))
    api.drain()
    found = api.ok("GET", FEEDBACK, params={"event_id": event_id})
    assert [(f["kind"], f["message"]) for f in found] == [
        ("feedback", "Checkout is slow"),
        ("user_report", "It broke"),
    ]
    assert found[1]["email"] == "ana@example.com"
    assert found[0]["url"] == "https://shop.example.com/cart"
    with session_of(api.engine) as session:
        reasons = set(session.scalars(select(ErrorItem.reason)))
    assert "feedback: contexts.feedback is required" in reasons
