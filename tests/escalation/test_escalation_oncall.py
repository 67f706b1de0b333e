"""notify_on_call pages whoever the schedule says is on call now: overrides included, and a
gap is on the timeline without stopping the escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from tests.escalation.helpers import escalation_app, paged, texts
from warroom.db.engine import make_session_factory
from warroom.schedules.models import ScheduleOverride

LEDGER = {"severity": "SEV1", "team": "ledger"}


def test_the_person_on_call_is_paged(engine: Engine, tmp_path: Path) -> None:
    tuesday_noon = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    with escalation_app(engine, tmp_path, tuesday_noon) as api:
        api.declare(**LEDGER)
        api.drain()
        assert paged(api) == [("erin", 1, 1), ("bob", 2, 1)]
        assert texts(api, 1, "paged")[0] == "paged erin (on call in ledger-day), step 1, round 1"


def test_an_override_puts_the_overriding_person_in_the_page(engine: Engine, tmp_path: Path) -> None:
    tuesday_noon = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    with escalation_app(engine, tmp_path, tuesday_noon) as api:
        with make_session_factory(engine)() as session:
            session.add(
                ScheduleOverride(
                    schedule="ledger-day",
                    username="alice",
                    replaces="erin",
                    starts_at=tuesday_noon - timedelta(hours=1),
                    ends_at=tuesday_noon + timedelta(hours=1),
                    reason="erin at the dentist",
                    created_at=tuesday_noon,
                )
            )
            session.commit()
        api.declare(**LEDGER)
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 2, 1)]
        assert texts(api, 1, "paged")[0] == "paged alice (on call in ledger-day), step 1, round 1"


def test_nobody_on_call_is_on_the_timeline_and_escalation_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    sunday = datetime(2026, 3, 8, 11, 0, tzinfo=UTC)
    with escalation_app(engine, tmp_path, sunday) as api:
        api.declare(**LEDGER)
        api.drain()
        assert paged(api) == [("bob", 2, 1)]
        assert texts(api, 1, "paged") == [
            "nobody on call in ledger-day, step 1, round 1; continuing",
            "paged bob (named in the policy), step 2, round 1",
        ]
