"""The next-update reminder also covers the public update: an incident shown on a status page
at SEV1 or SEV2 needs a public update on its severity's cadence, and internal updates do not
stand in for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.escalation.helpers import CONFIG, deliveries, escalation_app, texts
from tests.support.api import Harness
from warroom.notify.models import Purpose

STATUS_CONFIG = (
    CONFIG
    + """
services:
  - {slug: shop-api, name: Shop API, team: orphans}
  - {slug: batch-jobs, name: Batch jobs, team: orphans}
status_pages:
  - slug: shop
    title: Shop status
    components: [{service: shop-api, name: Shop}]
"""
)
UPDATES = "/api/v1/incidents/INC-1/updates"


def declare(api: Harness, severity: str = "SEV1", services: list[str] | None = None) -> None:
    api.declare(severity=severity, team="orphans", services=services or ["shop-api"])
    api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "lead", "user": "bob"})
    api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "comms", "user": "carol"})
    api.drain()


def post(api: Harness, audience: str, text: str = "an update") -> None:
    api.ok("POST", UPDATES, json={"text": text, "audience": audience})
    api.drain()


def incident(api: Harness) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", "/api/v1/incidents/INC-1")
    return found


def reminder_subjects(api: Harness) -> list[str]:
    return [d.payload["subject"] for d in deliveries(api) if d.purpose is Purpose.REMINDER]


def test_internal_updates_do_not_stand_in_for_the_public_one(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path, config=STATUS_CONFIG) as api:
        api.user("bob")
        api.user("carol")
        declare(api)
        api.clock.advance(minutes=5)
        post(api, "internal")  # the internal cadence is satisfied until +20m
        assert incident(api)["next_update_due_at"] == "2026-03-02T09:10:00Z"
        api.clock.advance(minutes=5)  # the first public update is due 10m after declaring
        api.drain()
        assert texts(api, 1, "update_reminder") == [
            "public status update (status page Shop status) due now; "
            "reminded carol (communications lead)"
        ]
        assert reminder_subjects(api) == ["INC-1: a public status update is due"]
        [reminder] = [d for d in deliveries(api) if d.purpose is Purpose.REMINDER]
        assert "public status update for Shop status" in reminder.payload["text"]

        api.clock.advance(minutes=2)
        post(api, "public")  # both are satisfied: the next is due 15m later
        assert incident(api)["next_update_due_at"] == "2026-03-02T09:27:00Z"
        api.clock.advance(minutes=10)
        post(api, "internal")  # internal at +22m: the public one is still due at +27m
        assert incident(api)["next_update_due_at"] == "2026-03-02T09:27:00Z"
        api.clock.advance(minutes=5)
        api.drain()
        assert texts(api, 1, "update_reminder")[1:] == [
            "public status update (status page Shop status) due now; "
            "reminded carol (communications lead)"
        ]


def test_a_public_update_counts_as_an_update(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path, config=STATUS_CONFIG) as api:
        api.user("bob")
        api.user("carol")
        declare(api, severity="SEV2")  # SEV2: every 30m
        api.clock.advance(minutes=9)
        post(api, "public")
        assert incident(api)["next_update_due_at"] == "2026-03-02T09:39:00Z"
        api.clock.advance(minutes=30)
        api.drain()
        assert texts(api, 1, "update_reminder") == [
            "public status update (status page Shop status) due now; "
            "reminded carol (communications lead)"
        ]


def test_other_severities_and_services_only_need_the_usual_update(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path, config=STATUS_CONFIG) as api:
        api.user("bob")
        api.user("carol")
        declare(api, severity="SEV1", services=["batch-jobs"])  # not on a status page
        api.clock.advance(minutes=10)
        api.drain()
        assert texts(api, 1, "update_reminder") == [
            "status update due now; reminded carol (communications lead)"
        ]
        assert reminder_subjects(api) == ["INC-1: a status update is due"]
        api.ok("POST", "/api/v1/incidents/INC-1/actions/resolve")
        api.declare(severity="SEV3", team="orphans", services=["shop-api"])
        # SEV3 has no cadence in this ladder, and the page wants no public updates for it
        assert api.ok("GET", "/api/v1/incidents/INC-2")["next_update_due_at"] is None
