"""The audit log records every change a person makes: who, how, from where, when, and the
values before and after; warroom's own writes, and writes that roll back, leave nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.auth.audit_helpers import entries, raw_text
from tests.support.api import Harness
from warroom.auth.audit import SECRET
from warroom.auth.audit_models import AuditAction, AuditEntry
from warroom.auth.models import ApiToken, User, UserRole
from warroom.auth.permissions import PRINCIPAL_KEY, Principal
from warroom.auth.signing import signing_key
from warroom.cli.main import app as cli_app
from warroom.incidents import service as incidents
from warroom.incidents.commands import DeclareIncident
from warroom.incidents.models import Incident
from warroom.notify.action_links import ActionGrant, LinkAction, action_url

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_incident_declared_through_the_api_records_who_how_from_where_when_and_what(
    api: Harness,
) -> None:
    alice = api.user("alice")
    api.clock.advance(minutes=3)
    response = api.post(
        "/api/v1/incidents",
        token=alice,
        headers={"X-Request-Id": "req-declare-1"},
        json={"title": "Checkout returns 503", "severity": "SEV1", "team": "payments"},
    )
    assert response.status_code == 201, response.text
    [entry] = entries(api.engine, object_type="incident")
    assert entry.actor == "alice"
    assert entry.actor_via == f"token:{alice[:9]}"
    assert entry.address == "testclient"
    assert entry.request_id == "req-declare-1"
    assert entry.at == NINE + timedelta(minutes=3)
    assert entry.action is AuditAction.CREATE
    assert entry.object_id == "INC-1"
    assert entry.summary == "created incident INC-1 (Checkout returns 503)"
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["title"] == "Checkout returns 503"
    assert entry.after["severity"] == "SEV1"
    assert entry.after["status"] == "triggered"
    assert entry.after["team"] == "payments"
    assert entry.after["detected_at"] == "2026-03-02T09:03:00+00:00"
    [participant] = entries(api.engine, object_type="incident_participant")
    assert participant.action is AuditAction.CREATE
    assert participant.summary == f"created incident_participant {participant.object_id} " + (
        "(alice of INC-1)"
    )


def test_an_incident_changed_through_the_api_records_only_the_changed_values(
    api: Harness,
) -> None:
    api.declare(title="Checkout returns 503")
    bob = api.user("bob")
    api.clock.advance(minutes=10)
    api.ok("PATCH", "/api/v1/incidents/INC-1", token=bob, json={"title": "Checkout down in EU"})
    api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge", token=bob)
    renamed, acknowledged = entries(api.engine, object_type="incident", actor="bob")
    assert renamed.action is AuditAction.UPDATE
    assert renamed.object_id == "INC-1"
    assert renamed.actor_via == f"token:{bob[:9]}"
    assert renamed.at == NINE + timedelta(minutes=10)
    assert renamed.before == {"title": "Checkout returns 503"}
    assert renamed.after == {"title": "Checkout down in EU"}
    assert renamed.summary == (
        "changed incident INC-1 (Checkout down in EU): "
        "title Checkout returns 503 → Checkout down in EU"
    )
    assert acknowledged.before == {"status": "triggered", "acknowledged_at": None}
    assert acknowledged.after == {
        "status": "acknowledged",
        "acknowledged_at": "2026-03-02T09:10:00+00:00",
    }


def test_a_participant_removed_through_its_collection_is_recorded_as_a_delete(
    api: Harness,
) -> None:
    api.declare()
    carol = api.user("carol")
    api.ok("POST", "/api/v1/incidents/INC-1/participants", token=carol, json={})
    api.ok("DELETE", "/api/v1/incidents/INC-1/participants/carol")
    [removed] = entries(api.engine, object_type="incident_participant", action="delete")
    assert removed.actor == "admin"
    assert removed.after is None
    assert removed.before is not None
    assert removed.before["incident_id"] == 1
    assert removed.summary.startswith("deleted incident_participant ")
    assert removed.summary.endswith("(carol of INC-1)")


def test_a_token_is_recorded_without_its_secret_or_its_hash(api: Harness) -> None:
    created = api.ok("POST", "/api/v1/tokens", json={"name": "deploy bot"})
    secret = created["token"]
    [entry] = entries(api.engine, object_type="api_token")
    assert entry.action is AuditAction.CREATE
    assert entry.object_id == str(created["id"])
    assert entry.after is not None
    assert entry.after["token_hash"] == SECRET
    assert entry.after["prefix"] == secret[:9]
    assert (
        entry.summary == f"created api_token {created['id']} (deploy bot, {secret[:9]}…, of admin)"
    )
    stored = raw_text(api.engine)
    assert secret not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() not in stored
    with Session(api.engine) as session:
        hashes = session.scalars(select(ApiToken.token_hash)).all()
    assert len(hashes) == 2
    assert not any(token_hash in stored for token_hash in hashes)


def test_using_a_token_changes_nothing_in_the_log(api: Harness) -> None:
    alice = api.user("alice")
    api.ok("GET", "/api/v1/me", token=alice)
    api.clock.advance(hours=1)
    api.ok("GET", "/api/v1/incidents", token=alice)
    assert entries(api.engine) == []


def test_writes_warroom_makes_itself_are_not_recorded(api: Harness) -> None:
    """A session without a caller (the worker, ingest, timers) writes no audit row."""
    factory = api.app.state.session_factory
    with factory() as session:
        data = DeclareIncident(title="Disk full", severity="SEV2", team="payments")
        incidents.declare(session, api.live_config.current, None, data, api.clock())
        session.commit()
    with Session(api.engine) as session:
        assert session.scalar(select(Incident.title)) == "Disk full"
    assert entries(api.engine) == []


def test_a_write_that_rolls_back_leaves_no_record(api: Harness) -> None:
    factory = api.app.state.session_factory
    with factory() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        session.info[PRINCIPAL_KEY] = Principal(user=admin, role=UserRole.ADMIN)
        admin.email = "admin@example.com"
        session.flush()
        assert len(session.scalars(select(AuditEntry)).all()) == 1  # same transaction
        session.rollback()
    assert entries(api.engine) == []
    with factory() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        session.info[PRINCIPAL_KEY] = Principal(user=admin, role=UserRole.ADMIN, via="session")
        admin.email = "admin@example.com"
        session.commit()
    [entry] = entries(api.engine)
    assert (entry.actor, entry.actor_via, entry.object_type, entry.object_id) == (
        "admin",
        "session",
        "user",
        "admin",
    )
    assert (entry.before, entry.after) == ({"email": None}, {"email": "admin@example.com"})


def test_acting_from_an_email_link_is_recorded_as_the_linked_person_via_link(
    api: Harness,
) -> None:
    api.declare()
    with Session(api.engine) as session:
        key = signing_key(session, api.clock())
        session.commit()
    grant = ActionGrant(incident_id=1, action=LinkAction.ACKNOWLEDGE, username="dave", page_id=None)
    url = action_url(key, "http://testserver", grant, api.clock() + timedelta(hours=1))
    response = api.client.post(url.removeprefix("http://testserver"))
    assert response.status_code == 200, response.text
    [acknowledged] = entries(api.engine, object_type="incident", action="update")
    assert (acknowledged.actor, acknowledged.actor_via, acknowledged.address) == (
        "dave",
        "link",
        "testclient",
    )
    assert acknowledged.after is not None
    assert acknowledged.after["status"] == "acknowledged"


def test_the_local_cli_records_the_operator_at_the_shell(api: Harness) -> None:
    created = api.ok("POST", "/api/v1/tokens", json={"name": "old"})
    url = api.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        cli_app, ["tokens", "revoke", str(created["id"]), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    [revoked] = entries(api.engine, object_type="api_token", action="update")
    assert revoked.actor is None
    assert revoked.actor_via == "cli"
    assert revoked.address is not None and "@" in revoked.address
    assert revoked.object_id == str(created["id"])
    assert revoked.before == {"revoked_at": None}
    assert revoked.after is not None and set(revoked.after) == {"revoked_at"}
