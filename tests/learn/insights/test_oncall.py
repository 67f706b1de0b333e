"""On-call health: pages per person per week, out of hours and at night, in the team's own
time zone and hours (payments: Europe/Prague, mon-fri 09-17 working, every day 08-22
extended). Pages are rows in the real database, as the escalation engine writes them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tests.support.api import Harness
from warroom.escalation.models import Escalation, EscalationState, Page, PageStatus
from warroom.incidents.enums import IncidentStatus
from warroom.incidents.models import Incident


def _incident(
    session: Session, number: int, team: str, at: datetime, drill: bool = False
) -> Incident:
    incident = Incident(
        number=number,
        title=f"Paged {number}",
        severity="SEV1",
        status=IncidentStatus.TRIGGERED,
        team=team,
        impact_started_at=at,
        detected_at=at,
        declared_at=at,
        updated_at=at,
        drill=drill,
    )
    session.add(incident)
    session.flush()
    return incident


def _page(session: Session, incident: Incident, username: str, at: datetime) -> None:
    escalation = Escalation(
        incident_id=incident.id,
        policy=None,
        snapshot={},
        state=EscalationState.ACTIVE,
        token=f"t{incident.id}{username}{int(at.timestamp())}"[:32],
        started_at=at,
        updated_at=at,
        next_at=None,
    )
    session.add(escalation)
    session.flush()
    session.add(
        Page(
            incident_id=incident.id,
            escalation_id=escalation.id,
            username=username,
            step=0,
            round=0,
            reason="on call",
            status=PageStatus.PAGING,
            paged_at=at,
        )
    )


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_pages_out_of_hours_and_at_night_per_person(api: Harness) -> None:
    with Session(api.engine) as session:
        payments = _incident(session, 1, "payments", _utc(2026, 2, 23, 9))
        drill = _incident(session, 2, "payments", _utc(2026, 2, 23, 9), drill=True)
        # Prague is UTC+1 in February.
        _page(session, payments, "ann", _utc(2026, 2, 23, 9))  # Mon 10:00: working hours
        _page(session, payments, "ann", _utc(2026, 2, 23, 19))  # Mon 20:00: out of hours
        _page(session, payments, "ann", _utc(2026, 2, 24, 1))  # Tue 02:00: night (Mon's)
        _page(session, payments, "ann", _utc(2026, 2, 25, 2))  # Wed 03:00: night (Tue's)
        _page(session, payments, "bob", _utc(2026, 2, 26, 12))  # Thu 13:00: working hours
        _page(session, drill, "bob", _utc(2026, 2, 25, 2))  # a drill's page: left out
        _page(session, payments, "cat", _utc(2026, 1, 1, 2))  # before the window
        session.commit()

    body = api.ok("GET", "/api/v1/insights/oncall")
    assert body["people"] == [
        {
            "username": "ann",
            "pages": 4,
            "pages_per_week": round(4 / (30 / 7), 2),
            "out_of_hours": 3,
            "night": 2,
            "nights": 2,
            "weekly": [0, 0, 0, 4, 0],
        },
        {
            "username": "bob",
            "pages": 1,
            "pages_per_week": round(1 / (30 / 7), 2),
            "out_of_hours": 0,
            "night": 0,
            "nights": 0,
            "weekly": [0, 0, 0, 1, 0],
        },
    ]
    with_drills = api.ok("GET", "/api/v1/insights/oncall", params={"include_drills": "true"})
    bob = with_drills["people"][1]
    assert (bob["username"], bob["pages"], bob["night"]) == ("bob", 2, 1)
