"""Reassigning stops the current escalation and pages the new person (or runs a policy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.escalation.helpers import escalation_app, paged, pages, runs, texts
from warroom.auth.models import UserRole
from warroom.escalation.models import EscalationState, PageStatus

PAID = {"severity": "SEV1", "team": "payments"}


def test_reassigning_to_a_person_pages_them_then_continues_with_the_team_policy(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=2)
        body = api.ok("POST", "/api/v1/incidents/INC-1/reassign", json={"user": "bob"})
        assert [r["state"] for r in body["runs"]] == ["stopped", "active"]
        assert body["runs"][1]["reason"] == "reassigned to bob by admin"
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 1, 1)]
        first, second = runs(api)
        assert second.policy == "payments"
        assert [p.status for p in pages(api)] == [PageStatus.CANCELLED, PageStatus.PAGING]
        assert texts(api, 1, "reassigned") == ["admin reassigned INC-1 to bob"]
        assert "escalation stopped: reassigned to bob" in texts(api, 1, "escalation_stopped")
        # Nobody acknowledges: after the team policy's first wait, the team policy runs.
        api.clock.advance(minutes=5)
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 1, 1), ("alice", 3, 1)]
        assert first.state is EscalationState.STOPPED


def test_reassigning_to_a_policy_runs_it_from_the_first_step(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/reassign", json={"policy": "bob-only"})
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 1, 1)]
        assert [r.policy for r in runs(api)] == ["payments", "bob-only"]
        assert runs(api)[1].state is EscalationState.EXHAUSTED


def test_reassigning_an_acknowledged_incident_pages_until_the_page_is_acknowledged(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        api.clock.advance(minutes=1)
        api.ok("POST", "/api/v1/incidents/INC-1/reassign", json={"user": "erin"})
        api.drain()
        assert paged(api)[-1] == ("erin", 1, 1)
        bob = api.user("bob")
        api.ok("POST", "/api/v1/incidents/INC-1/escalation/acknowledge", token=bob)
        api.drain()
        assert runs(api)[-1].state is EscalationState.ACKNOWLEDGED
        assert pages(api)[-1].status is PageStatus.ACKNOWLEDGED
        assert texts(api, 1, "page_acknowledged") == ["bob acknowledged the page"]
        api.clock.advance(minutes=10)
        api.drain()
        assert paged(api)[-1] == ("erin", 1, 1)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "user"),
        ({"user": "bob", "policy": "payments"}, 422, "policy"),
        ({"user": "nobody"}, 422, "user"),
        ({"user": "Not A Name"}, 422, "user"),
        ({"policy": "missing"}, 422, "policy"),
        ({"team": "payments"}, 422, "team"),
    ],
)
def test_bad_reassign_requests_name_the_field(
    engine: Engine, tmp_path: Path, body: dict[str, str], status: int, field: str
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        response = api.post("/api/v1/incidents/INC-1/reassign", json=body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["field"] == field
        assert len(runs(api)) == 1
        assert runs(api)[0].state is EscalationState.ACTIVE  # nothing was written


def test_reassigning_a_resolved_or_unknown_incident_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/resolve")
        api.drain()
        response = api.post("/api/v1/incidents/INC-1/reassign", json={"user": "bob"})
        assert response.status_code == 409
        assert response.json()["error"]["field"] == "ref"
        assert api.post("/api/v1/incidents/INC-9/reassign", json={"user": "bob"}).status_code == 404
        viewer = api.user("viewer", role=UserRole.VIEWER)
        forbidden = api.post("/api/v1/incidents/INC-1/reassign", json={"user": "bob"}, token=viewer)
        assert forbidden.status_code == 403
