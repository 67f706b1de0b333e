"""Rotation math: hand-offs at the configured wall-clock time across DST, no gap, no overlap."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from warroom.config.schedules import Layer
from warroom.schedules.rotation import Piece, layer_pieces, localize, merge_layers

PRAGUE = ZoneInfo("Europe/Prague")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def layer(**fields: Any) -> Layer:
    fields.setdefault("name", "primary")
    fields.setdefault("participants", ["alice", "bob", "carol"])
    return Layer.model_validate(fields)


def assert_contiguous(pieces: list[Piece], start: datetime, end: datetime) -> None:
    """The pieces cover start..end exactly: no gap, no overlap."""
    assert pieces, "no pieces"
    assert pieces[0].start == start
    assert pieces[-1].end == end
    for before, after in itertools.pairwise(pieces):
        assert before.end == after.start, (before, after)


def local_times(pieces: list[Piece], zone: ZoneInfo) -> list[str]:
    return [p.start.astimezone(zone).strftime("%a %H:%M") for p in pieces]


class TestLocalize:
    def test_nonexistent_time_moves_to_the_jump(self) -> None:
        # Prague springs forward 02:00 CET -> 03:00 CEST at 01:00 UTC on 2026-03-29.
        assert localize(datetime(2026, 3, 29, 2, 30), PRAGUE) == utc(2026, 3, 29, 1, 0)
        # New York springs forward 02:00 EST -> 03:00 EDT at 07:00 UTC on 2026-03-08.
        assert localize(datetime(2026, 3, 8, 2, 15), NEW_YORK) == utc(2026, 3, 8, 7, 0)

    def test_ambiguous_time_takes_the_first_occurrence(self) -> None:
        # Prague falls back 03:00 CEST -> 02:00 CET on 2026-10-25: 02:30 happens twice.
        assert localize(datetime(2026, 10, 25, 2, 30), PRAGUE) == utc(2026, 10, 25, 0, 30)
        # New York falls back 02:00 EDT -> 01:00 EST on 2026-11-01: 01:30 happens twice.
        assert localize(datetime(2026, 11, 1, 1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)

    def test_ordinary_time_is_plain_conversion(self) -> None:
        assert localize(datetime(2026, 7, 1, 9, 0), PRAGUE) == utc(2026, 7, 1, 7, 0)


@pytest.mark.parametrize(
    ("zone", "change", "shorter"),
    [
        (PRAGUE, datetime(2026, 3, 29), True),
        (PRAGUE, datetime(2026, 10, 25), False),
        (NEW_YORK, datetime(2026, 3, 8), True),
        (NEW_YORK, datetime(2026, 11, 1), False),
    ],
    ids=["prague-spring", "prague-autumn", "new-york-spring", "new-york-autumn"],
)
class TestAcrossDaylightSaving:
    def test_daily_handoff_stays_at_nine_and_the_crossing_shift_is_23h_or_25h(
        self, zone: ZoneInfo, change: datetime, shorter: bool
    ) -> None:
        daily = layer(start="2026-01-01T09:00", shift="daily")
        start = localize(change - timedelta(days=3) + timedelta(hours=9), zone)
        end = localize(change + timedelta(days=3) + timedelta(hours=9), zone)
        pieces = layer_pieces(daily, zone, start, end)
        assert_contiguous(pieces, start, end)
        assert len(pieces) == 6
        assert {p.start.astimezone(zone).strftime("%H:%M") for p in pieces} == {"09:00"}
        lengths = [p.end - p.start for p in pieces]
        crossing = timedelta(hours=23) if shorter else timedelta(hours=25)
        # The shift from 09:00 the day before the change to 09:00 on the change day.
        assert lengths == [24 * HOUR, 24 * HOUR, crossing, 24 * HOUR, 24 * HOUR, 24 * HOUR]

    def test_weekly_handoff_stays_on_monday_nine(
        self, zone: ZoneInfo, change: datetime, shorter: bool
    ) -> None:
        weekly = layer(start="2026-01-05T09:00", shift="weekly")  # a Monday
        start, end = (
            localize(change - timedelta(days=20), zone),
            localize(change + timedelta(days=20), zone),
        )
        pieces = layer_pieces(weekly, zone, start, end)
        assert_contiguous(pieces, start, end)
        assert local_times(pieces, zone)[1:] == ["Mon 09:00"] * (len(pieces) - 1)
        week = timedelta(weeks=1)
        full = [p.end - p.start for p in pieces[1:-1]]
        assert (week - HOUR if shorter else week + HOUR) in full
        assert all(length in (week, week - HOUR, week + HOUR) for length in full)

    def test_hourly_rotation_through_the_change_has_no_gap_or_overlap(
        self, zone: ZoneInfo, change: datetime, shorter: bool
    ) -> None:
        hourly = layer(start="2026-01-01T00:00", shift="1h", participants=["alice", "bob"])
        start, end = localize(change, zone), localize(change + timedelta(days=1), zone)
        pieces = layer_pieces(hourly, zone, start, end)
        assert_contiguous(pieces, start, end)
        assert sum((p.end - p.start for p in pieces), timedelta()) == (
            timedelta(hours=23) if shorter else timedelta(hours=25)
        )


class TestParticipants:
    def test_participant_of_shift_k_is_participants_k_mod_n(self) -> None:
        daily = layer(start="2026-06-01T09:00", shift="daily")
        start = utc(2026, 6, 1, 7)  # 09:00 Prague summer time
        pieces = layer_pieces(daily, PRAGUE, start, start + timedelta(days=7))
        assert [p.username for p in pieces] == [
            "alice",
            "bob",
            "carol",
            "alice",
            "bob",
            "carol",
            "alice",
        ]

    def test_a_range_long_after_start_continues_the_rotation(self) -> None:
        daily = layer(start="2026-01-01T09:00", shift="daily")
        # 2026-12-31 is day 364 after 2026-01-01: 364 % 3 == 1 -> bob.
        at = localize(datetime(2026, 12, 31, 12, 0), PRAGUE)
        pieces = layer_pieces(daily, PRAGUE, at, at + HOUR)
        assert [p.username for p in pieces] == ["bob"]

    def test_nothing_before_the_start_and_nothing_after_the_end(self) -> None:
        bounded = layer(start="2026-06-01T09:00", end="2026-06-03T09:00", shift="daily")
        pieces = layer_pieces(bounded, PRAGUE, utc(2026, 5, 25), utc(2026, 6, 10))
        assert [(p.username, p.start, p.end) for p in pieces] == [
            ("alice", utc(2026, 6, 1, 7), utc(2026, 6, 2, 7)),
            ("bob", utc(2026, 6, 2, 7), utc(2026, 6, 3, 7)),
        ]

    def test_twelve_hour_shifts_hand_off_at_eight_and_twenty(self) -> None:
        twelve = layer(start="2026-03-27T08:00", shift="12h", participants=["day", "night"])
        start = localize(datetime(2026, 3, 27, 8), PRAGUE)
        end = localize(datetime(2026, 3, 31, 8), PRAGUE)
        pieces = layer_pieces(twelve, PRAGUE, start, end)
        assert_contiguous(pieces, start, end)
        assert [p.start.astimezone(PRAGUE).strftime("%H:%M") for p in pieces] == [
            "08:00",
            "20:00",
        ] * 4
        assert [p.username for p in pieces] == ["day", "night"] * 4
        # The night of the spring change (28th 20:00 -> 29th 08:00) is 11 hours long.
        assert pieces[3].end - pieces[3].start == timedelta(hours=11)


class TestRestrictions:
    def test_business_hours_rotation_is_on_call_only_mon_to_fri_nine_to_five(self) -> None:
        business = layer(
            start="2026-03-09T09:00",
            shift="weekly",
            participants=["alice", "bob"],
            restrictions=[
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
            ],
        )
        start, end = utc(2026, 3, 23), utc(2026, 4, 6)  # the week of the spring change and the next
        pieces = layer_pieces(business, PRAGUE, start, end)
        assert len(pieces) == 10
        for piece in pieces:
            local_start, local_end = piece.start.astimezone(PRAGUE), piece.end.astimezone(PRAGUE)
            assert local_start.strftime("%H:%M") == "09:00"
            assert local_end.strftime("%H:%M") == "17:00"
            assert local_start.weekday() < 5
        assert [p.username for p in pieces] == ["alice"] * 5 + ["bob"] * 5

    def test_a_shift_crossing_a_window_edge_is_cut_at_the_edge(self) -> None:
        evenings = layer(
            start="2026-06-01T12:00",
            shift="daily",
            participants=["alice", "bob"],
            restrictions=[
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "10:00",
                    "end": "14:00",
                }
            ],
        )
        pieces = layer_pieces(evenings, PRAGUE, utc(2026, 6, 2), utc(2026, 6, 3))
        assert [
            (
                p.username,
                p.start.astimezone(PRAGUE).strftime("%H:%M"),
                p.end.astimezone(PRAGUE).strftime("%H:%M"),
            )
            for p in pieces
        ] == [
            ("alice", "10:00", "12:00"),
            ("bob", "12:00", "14:00"),
        ]


class TestLayers:
    def test_a_later_layer_wins_where_it_has_someone(self) -> None:
        base = layer(name="base", start="2026-06-01T00:00", shift="weekly", participants=["alice"])
        daytime = layer(
            name="daytime",
            start="2026-06-01T00:00",
            shift="weekly",
            participants=["bob"],
            restrictions=[{"days": ["mon"], "start": "09:00", "end": "17:00"}],
        )
        start, end = utc(2026, 6, 1), utc(2026, 6, 2)  # Monday, UTC
        merged = merge_layers(
            [layer_pieces(base, PRAGUE, start, end), layer_pieces(daytime, PRAGUE, start, end)]
        )
        assert [(p.username, p.layer, p.start, p.end) for p in merged] == [
            ("alice", "base", utc(2026, 6, 1, 0), utc(2026, 6, 1, 7)),
            ("bob", "daytime", utc(2026, 6, 1, 7), utc(2026, 6, 1, 15)),
            ("alice", "base", utc(2026, 6, 1, 15), utc(2026, 6, 2, 0)),
        ]

    def test_follow_the_sun_hands_over_between_regions_without_gaps(self) -> None:
        # Americas is the base; Asia-Pacific and Europe take their part of the UTC day on top.
        every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        amer = layer(name="amer", participants=["maria", "mike"], start="2026-01-05T00:00")
        apac = layer(
            name="apac",
            participants=["kenji"],
            start="2026-01-05T00:00",
            restrictions=[{"days": every_day, "start": "00:00", "end": "08:00"}],
        )
        emea = layer(
            name="emea",
            participants=["alice", "bob"],
            start="2026-01-05T08:00",
            shift="daily",
            restrictions=[{"days": every_day, "start": "08:00", "end": "16:00"}],
        )
        zone = ZoneInfo("UTC")
        start, end = utc(2026, 6, 1), utc(2026, 6, 3)
        merged = merge_layers([layer_pieces(r, zone, start, end) for r in (amer, apac, emea)])
        assert_contiguous(merged, start, end)
        assert [(p.username, p.layer, p.start.hour, p.end.hour) for p in merged] == [
            # 2026-06-01 is 21 weeks (odd: mike) and 147 days (odd: bob) after the starts.
            ("kenji", "apac", 0, 8),
            ("bob", "emea", 8, 16),
            ("mike", "amer", 16, 0),
            ("kenji", "apac", 0, 8),
            ("alice", "emea", 8, 16),
            ("mike", "amer", 16, 0),
        ]


def test_rendering_90_days_of_several_layers_takes_milliseconds() -> None:
    layers = [
        layer(name="weekly", start="2026-01-05T09:00"),
        layer(name="daily", start="2026-01-05T09:00", shift="daily"),
        layer(
            name="business",
            start="2026-01-05T09:00",
            shift="12h",
            restrictions=[
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
            ],
        ),
    ]
    start = utc(2026, 2, 1)
    began = time.perf_counter()
    merged = merge_layers(
        [layer_pieces(each, PRAGUE, start, start + timedelta(days=90)) for each in layers]
    )
    elapsed = time.perf_counter() - began
    assert_contiguous(merged, start, start + timedelta(days=90))
    assert elapsed < 0.25, f"{elapsed * 1000:.1f} ms"
