"""Pages outside a severity's response window wait for the window to open, across weekends
and DST changes (Europe/Prague and America/New_York)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from tests.escalation.helpers import escalation_app, paged, runs, texts
from warroom.escalation.models import EscalationState


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_working_hours_page_on_friday_evening_waits_for_monday(
    engine: Engine, tmp_path: Path
) -> None:
    friday_evening = utc(2026, 3, 6, 17, 30)  # 18:30 in Prague
    with escalation_app(engine, tmp_path, friday_evening) as api:
        api.declare(severity="SEV3", team="payments")
        api.drain()
        assert paged(api) == []
        [run] = runs(api)
        assert run.state is EscalationState.DEFERRED
        assert run.next_at == utc(2026, 3, 9, 8, 0)
        assert texts(api, 1, "page_deferred") == [
            "page deferred to Mon 2026-03-09 09:00 CET (SEV3 is handled in working hours)"
        ]
        api.clock.now = utc(2026, 3, 9, 7, 59, 59)
        api.drain()
        assert paged(api) == []
        api.clock.now = utc(2026, 3, 9, 8, 0)
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        assert runs(api)[0].state is EscalationState.ACTIVE
        assert texts(api, 1, "escalated") == [
            "the response window of payments for SEV3 is open; paging now"
        ]


def test_a_wait_that_ends_after_hours_defers_the_next_step(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path, utc(2026, 3, 6, 15, 58)) as api:  # Fri 16:58 CET
        api.declare(severity="SEV3", team="payments")
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        api.clock.advance(minutes=5)
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        assert texts(api, 1, "page_deferred") == [
            "page deferred to Mon 2026-03-09 09:00 CET (SEV3 is handled in working hours)"
        ]
        api.clock.now = utc(2026, 3, 9, 8, 0)
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 3, 1)]


def test_extended_hours_across_the_prague_spring_change(engine: Engine, tmp_path: Path) -> None:
    saturday_night = utc(2026, 3, 28, 22, 0)  # 23:00 CET; clocks go forward at 02:00
    with escalation_app(engine, tmp_path, saturday_night) as api:
        api.declare(severity="SEV2", team="payments")
        api.drain()
        assert texts(api, 1, "page_deferred") == [
            "page deferred to Sun 2026-03-29 08:00 CEST (SEV2 is handled in extended hours)"
        ]
        assert runs(api)[0].next_at == utc(2026, 3, 29, 6, 0)
        api.clock.now = utc(2026, 3, 29, 6, 0)
        api.drain()
        assert paged(api) == [("alice", 1, 1)]


def test_working_hours_across_the_new_york_autumn_change(engine: Engine, tmp_path: Path) -> None:
    friday_evening = utc(2026, 10, 30, 22, 0)  # 18:00 EDT; clocks go back on Sunday
    with escalation_app(engine, tmp_path, friday_evening) as api:
        api.declare(severity="SEV3", team="checkout")
        api.drain()
        assert texts(api, 1, "page_deferred") == [
            "page deferred to Mon 2026-11-02 09:00 EST (SEV3 is handled in working hours)"
        ]
        api.clock.now = utc(2026, 11, 2, 13, 59)  # 08:59 EST (09:59 by last week's offset)
        api.drain()
        assert paged(api) == []
        api.clock.now = utc(2026, 11, 2, 14, 0)
        api.drain()
        assert [who for who, _step, _round in paged(api)] in (["bob"], ["erin"])


def test_sev1_pages_at_night_on_a_weekend(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path, utc(2026, 3, 8, 2, 0)) as api:  # Sun 03:00 CET
        api.declare(severity="SEV1", team="payments")
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        assert texts(api, 1, "page_deferred") == []


def test_raising_a_deferred_incident_to_sev1_pages_now(engine: Engine, tmp_path: Path) -> None:
    with escalation_app(engine, tmp_path, utc(2026, 3, 7, 12, 0)) as api:  # Saturday
        api.declare(severity="SEV3", team="payments")
        api.drain()
        assert paged(api) == []
        api.clock.advance(minutes=3)
        api.ok("POST", "/api/v1/incidents/INC-1/severity", json={"severity": "SEV1"})
        api.drain()
        assert paged(api) == [("alice", 1, 1)]
        assert runs(api)[0].state is EscalationState.ACTIVE
        # Both the next step (bob, due 12:08) and the job that waited for Monday's opening
        # come due: only the step pages.
        api.clock.now = utc(2026, 3, 9, 8, 0)
        api.drain()
        assert paged(api) == [("alice", 1, 1), ("bob", 3, 1)]
        assert len(runs(api)) == 1
