"""An acknowledged incident that nobody touches past the policy's ack_timeout escalates again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.escalation.helpers import escalation_app, paged, runs, texts
from warroom.escalation.models import EscalationState

PAID = {"severity": "SEV1", "team": "payments"}


def test_an_untouched_acknowledgement_times_out_and_escalates_again(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.clock.advance(minutes=1)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        api.clock.advance(minutes=29, seconds=59)
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        api.clock.advance(seconds=1)
        api.drain()
        assert texts(api, 1, "escalated") == [
            "acknowledgement timed out after 30m; escalating again"
        ]
        assert [r.state for r in runs(api)] == [
            EscalationState.ACKNOWLEDGED,
            EscalationState.ACTIVE,
        ]
        assert runs(api)[1].reason == "acknowledgement timed out after 30m"
        assert paged(api) == [("alice", 1, 1), ("alice", 1, 1)]
        api.clock.advance(minutes=5)
        api.drain()
        assert paged(api)[-1] == ("bob", 3, 1)


def test_touching_the_incident_restarts_the_timeout(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        api.clock.advance(minutes=20)
        api.ok("POST", "/api/v1/incidents/INC-1/notes", json={"text": "found the bad deploy"})
        api.drain()
        api.clock.advance(minutes=15)  # 35m after the ack, 15m after the note
        api.drain()
        assert len(runs(api)) == 1
        api.clock.advance(minutes=15)  # 30m after the note
        api.drain()
        assert len(runs(api)) == 2
        assert texts(api, 1, "escalated") == [
            "acknowledgement timed out after 30m; escalating again"
        ]


def test_acknowledging_the_repeated_page_stops_it_and_starts_a_new_timeout(
    engine: Engine, tmp_path: Path
) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        api.clock.advance(minutes=30)
        api.drain()
        assert runs(api)[-1].state is EscalationState.ACTIVE
        api.ok("POST", "/api/v1/incidents/INC-1/escalation/acknowledge")
        api.drain()
        assert [r.state for r in runs(api)] == [EscalationState.ACKNOWLEDGED] * 2
        api.clock.advance(minutes=30)
        api.drain()
        assert len(runs(api)) == 3


def test_mitigating_ends_the_timeout(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.drain()
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        api.clock.advance(minutes=10)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/mitigate")
        api.drain()
        api.clock.advance(hours=2)
        api.drain()
        assert len(runs(api)) == 1
        assert paged(api) == [("alice", 1, 1)]


def test_nothing_is_paging_so_a_page_cannot_be_acknowledged(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path) as api:
        api.declare(**PAID)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/acknowledge")
        api.drain()
        response = api.post("/api/v1/incidents/INC-1/escalation/acknowledge")
        assert response.status_code == 409
        assert response.json()["error"]["field"] == "ref"
