"""Status-update reminders: the communications lead (else the incident lead, else whoever
acknowledged) is reminded when an update is due, again while it stays overdue, and never
twice for the same moment."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.escalation.helpers import deliveries, escalation_app, texts
from tests.support.api import Harness
from warroom.notify.models import Purpose

NO_POLICY_SEV1 = {"severity": "SEV1", "team": "orphans"}
"""No escalation, so the timeline holds only what reminders do."""


def reminded(api: Harness) -> list[tuple[str | None, str, str]]:
    return [
        (d.username, d.channel.value, d.target)
        for d in deliveries(api)
        if d.purpose is Purpose.REMINDER
    ]


def test_the_communications_lead_is_reminded_and_again_while_overdue(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.user("carol")
        api.user("bob")
        api.declare(**NO_POLICY_SEV1)
        api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "lead", "user": "bob"})
        api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "comms", "user": "carol"})
        api.drain()
        api.clock.advance(minutes=9, seconds=59)  # the first update is due 10m after declaring
        api.drain()
        assert texts(api, 1, "update_reminder") == []
        api.clock.advance(seconds=1)
        api.drain()
        api.drain()  # a second pass finds nothing more to do
        assert texts(api, 1, "update_reminder") == [
            "status update due now; reminded carol (communications lead)"
        ]
        assert reminded(api) == [("carol", "webhook", "http://127.0.0.1:9/carol")]
        api.clock.advance(minutes=10)  # notifications.remind_every
        api.drain()
        assert texts(api, 1, "update_reminder")[1:] == [
            "status update overdue by 10m; reminded carol (communications lead)"
        ]
        assert len(reminded(api)) == 2


def test_posting_an_update_stops_reminders_until_the_next_one_is_due(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.user("bob")
        api.declare(**NO_POLICY_SEV1)
        api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "lead", "user": "bob"})
        api.drain()
        api.clock.advance(minutes=10)
        api.drain()
        api.clock.advance(minutes=5)
        api.ok("POST", "/api/v1/incidents/INC-1/updates", json={"text": "rolling back"})
        api.drain()
        api.clock.advance(minutes=14)  # SEV1: every 15m, the next one is due at +15m
        api.drain()
        assert texts(api, 1, "update_reminder") == [
            "status update due now; reminded bob (incident lead)"
        ]
        api.clock.advance(minutes=1)
        api.drain()
        assert len(texts(api, 1, "update_reminder")) == 2
        assert reminded(api) == [("bob", "email", "bob@example.com")] * 2


def test_without_roles_whoever_acknowledged_is_reminded(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        erin = api.user("erin")
        api.declare(**NO_POLICY_SEV1)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge", token=erin)
        api.drain()
        api.clock.advance(minutes=10)
        api.drain()
        assert texts(api, 1, "update_reminder") == [
            "status update due now; reminded erin (who acknowledged)"
        ]


def test_with_nobody_to_remind_it_looks_again_later(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.user("bob")
        api.declare(**NO_POLICY_SEV1)
        api.drain()
        api.clock.advance(minutes=10)
        api.drain()
        assert texts(api, 1, "update_reminder") == []
        assert reminded(api) == []
        api.clock.advance(minutes=5)
        api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "lead", "user": "bob"})
        api.drain()
        api.clock.advance(minutes=5)  # remind_every after the first look
        api.drain()
        assert texts(api, 1, "update_reminder") == [
            "status update overdue by 10m; reminded bob (incident lead)"
        ]


def test_resolving_stops_reminders(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.user("bob")
        api.declare(**NO_POLICY_SEV1)
        api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "lead", "user": "bob"})
        api.drain()
        api.clock.advance(minutes=10)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/resolve")
        api.drain()
        api.clock.advance(hours=3)
        api.drain()
        assert len(texts(api, 1, "update_reminder")) == 1


def test_a_severity_without_cadence_is_never_reminded(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.user("bob")
        api.declare(severity="SEV4", team="orphans")
        api.ok("POST", "/api/v1/incidents/INC-1/roles", json={"role": "lead", "user": "bob"})
        api.drain()
        api.clock.advance(hours=5)
        api.drain()
        assert texts(api, 1, "update_reminder") == []
