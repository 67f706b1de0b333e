"""90-day uptime bars: time in each state per UTC day from incident lifecycles, the worst
state counted once where incidents overlap, and uptime with partial outages at 30%."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.statuspage.helpers import status_app
from warroom.db.engine import make_session_factory
from warroom.statuspage.states import ComponentState
from warroom.statuspage.uptime import Span, incident_spans, page_spans, uptime

S = ComponentState
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """``day`` of March 2026 (0: the last of February)."""
    return datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day - 1, hours=hour, minutes=minute)


def test_an_incident_is_its_impact_until_mitigated_then_degraded_until_resolved() -> None:
    spans = incident_spans(S.MAJOR_OUTAGE, at(1, 10), at(1, 11), at(1, 13), NOW)
    assert spans == [
        Span(at(1, 10), at(1, 11), S.MAJOR_OUTAGE),
        Span(at(1, 11), at(1, 13), S.DEGRADED_PERFORMANCE),
    ]
    assert incident_spans(S.PARTIAL_OUTAGE, at(1, 10), None, None, NOW) == [
        Span(at(1, 10), NOW, S.PARTIAL_OUTAGE)
    ]
    assert incident_spans(S.MAJOR_OUTAGE, at(1, 10), at(1, 10), at(1, 10), NOW) == []
    assert incident_spans(S.OPERATIONAL, at(1, 10), None, None, NOW) == []


def test_the_window_is_ninety_utc_days_ending_today() -> None:
    bars = uptime([], NOW)
    assert len(bars.days) == 90
    assert bars.days[-1].date == date(2026, 3, 2)
    assert bars.days[0].date == date(2025, 12, 3)
    assert bars.days[-1].measured == 12 * 3600  # today so far
    assert bars.days[0].measured == 86_400
    assert bars.ratio == 1.0
    assert all(day.state is S.OPERATIONAL for day in bars.days)


def test_a_span_across_midnight_counts_in_both_days_and_overlaps_count_once() -> None:
    spans = [
        Span(at(0, 23), at(1, 2), S.PARTIAL_OUTAGE),
        Span(at(1, 1), at(1, 1, 30), S.MAJOR_OUTAGE),  # inside the partial outage
        Span(at(1, 1, 15), at(1, 3), S.DEGRADED_PERFORMANCE),
    ]
    days = {day.date: day for day in uptime(spans, NOW).days}
    feb28, mar1 = days[date(2026, 2, 28)], days[date(2026, 3, 1)]
    assert feb28.minutes(S.PARTIAL_OUTAGE) == 60
    assert feb28.state is S.PARTIAL_OUTAGE
    assert mar1.minutes(S.PARTIAL_OUTAGE) == 90  # 00:00-01:00 and 01:30-02:00
    assert mar1.minutes(S.MAJOR_OUTAGE) == 30
    assert mar1.minutes(S.DEGRADED_PERFORMANCE) == 60  # 02:00-03:00; before, worse states won
    assert mar1.state is S.MAJOR_OUTAGE
    assert mar1.down == pytest.approx(30 * 60 + 0.3 * 90 * 60)
    assert mar1.uptime == pytest.approx(1 - (1800 + 0.3 * 5400) / 86_400)


def test_uptime_weighs_major_outage_fully_partial_at_30_percent_and_degraded_not() -> None:
    spans = [
        Span(at(1, 0), at(1, 1), S.MAJOR_OUTAGE),
        Span(at(1, 2), at(1, 4), S.PARTIAL_OUTAGE),
        Span(at(1, 5), at(1, 9), S.DEGRADED_PERFORMANCE),
    ]
    bars = uptime(spans, NOW)
    measured = 89 * 86_400 + 12 * 3600
    assert bars.ratio == pytest.approx(1 - (3600 + 0.3 * 7200) / measured)


def test_spans_outside_the_window_are_cut_off() -> None:
    spans = [
        Span(at(1) - timedelta(days=200), at(1, 1) - timedelta(days=88), S.MAJOR_OUTAGE),
        Span(at(2, 11), at(2, 18), S.MAJOR_OUTAGE),  # ends in the future: counted until now
    ]
    bars = uptime(spans, NOW)
    assert bars.days[0].minutes(S.MAJOR_OUTAGE) == 60  # 2025-12-03 00:00-01:00
    assert bars.days[-1].minutes(S.MAJOR_OUTAGE) == 60  # 11:00-12:00 today
    assert sum(day.minutes(S.MAJOR_OUTAGE) for day in bars.days) == 120


def test_the_page_spans_come_from_the_incident_history(engine: Engine, tmp_path: Path) -> None:
    with status_app(engine, tmp_path, start=at(1, 9)) as api:
        api.declare(services=["payments-api", "search-api"], severity="SEV1")
        api.clock.advance(minutes=30)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/mitigate")
        api.clock.advance(minutes=90)
        api.ok("POST", "/api/v1/incidents/INC-1/actions/resolve")
        api.declare(services=["payments-api"], severity="SEV4")  # not shown on the page
        api.declare(services=["postgres-primary"], severity="SEV1")  # not on the page
        api.clock.advance(hours=1)
        api.declare(services=["payments-api"], severity="SEV2")  # still open
        api.clock.advance(minutes=15)
        config = api.live_config.current
        page = config.status_page("shop")
        assert page is not None
        with make_session_factory(api.engine)() as session:
            spans = page_spans(session, page, config.severity_ranks, api.clock())
        assert spans["checkout-api"] == []
        assert spans["search-api"] == [
            Span(at(1, 9), at(1, 9, 30), S.MAJOR_OUTAGE),
            Span(at(1, 9, 30), at(1, 11), S.DEGRADED_PERFORMANCE),
        ]
        assert sorted(spans["payments-api"], key=lambda s: s.start) == [
            Span(at(1, 9), at(1, 9, 30), S.MAJOR_OUTAGE),
            Span(at(1, 9, 30), at(1, 11), S.DEGRADED_PERFORMANCE),
            Span(at(1, 12), at(1, 12, 15), S.PARTIAL_OUTAGE),
        ]
