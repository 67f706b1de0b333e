"""Rotation math: the pieces of time each participant of a layer is on call.

Pure functions over UTC instants. Hand-offs are counted in wall-clock time of the schedule's
zone: hand-off ``k`` is ``start + k * shift`` on the local clock, so a daily 09:00 hand-off
stays at 09:00 across daylight-saving changes and the shift that crosses a change is an hour
shorter or longer. A local time that does not exist (clocks jump forward) is taken at the
jump; an ambiguous one (clocks go back) at its first occurrence. Consecutive shifts share
their boundary: no gap, no overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warroom.config.hours import END_OF_DAY, WEEKDAYS, HoursWindow
from warroom.config.schedules import Layer


@dataclass(frozen=True)
class Piece:
    """``username`` on call from ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    username: str
    start: datetime
    end: datetime
    layer: str | None = None
    override_id: int | None = None


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


def localize(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant at which clocks in ``zone`` show the naive ``local`` time: the first
    occurrence when it is ambiguous, the moment of the jump when it does not exist."""
    earlier = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    later = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if earlier <= later:
        return earlier
    # Nonexistent: ``later`` lies before the jump, ``earlier`` after it; find the jump.
    low, high = later, earlier
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= local:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def handoff(layer: Layer, index: int, zone: ZoneInfo) -> datetime:
    """UTC instant of hand-off ``index`` (0 = the layer's start)."""
    return localize(layer.start + index * layer.shift_length, zone)


def layer_pieces(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[Piece]:
    """The layer's shifts between ``start`` and ``end`` (UTC), cut to its restrictions and its
    end, in time order."""
    stop = end if layer.end is None else min(end, localize(layer.end, zone))
    first = handoff(layer, 0, zone)
    if stop <= start or stop <= first:
        return []
    length = layer.shift_length
    # Offsets differ by at most a day between zones' rules, so the estimate is close; step back
    # a little and walk forward to the shift that contains ``start``.
    index = max(0, (start - first) // length - 2)
    while handoff(layer, index + 1, zone) <= start:
        index += 1
    pieces: list[Piece] = []
    count = len(layer.participants)
    begin = handoff(layer, index, zone)
    while begin < stop:
        following = handoff(layer, index + 1, zone)
        piece_start, piece_end = max(begin, start), min(following, stop)
        if piece_start < piece_end:
            pieces.append(
                Piece(layer.participants[index % count], piece_start, piece_end, layer.name)
            )
        index += 1
        begin = following
    if layer.restrictions:
        windows = window_intervals(layer.restrictions, zone, start, stop)
        pieces = restrict(pieces, windows)
    return pieces


def window_intervals(
    windows: Sequence[HoursWindow], zone: ZoneInfo, start: datetime, end: datetime
) -> list[Interval]:
    """The weekly ``windows`` as UTC intervals overlapping ``start``..``end``, merged."""
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        weekday = WEEKDAYS[day.weekday()]
        for window in windows:
            if weekday in window.days:
                opens = _at(day, window.start, zone)
                closes = _at(day, window.end, zone)
                if opens < end and closes > start and opens < closes:
                    intervals.append(Interval(opens, closes))
        day += timedelta(days=1)
    return merge_intervals(intervals)


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    if wall == END_OF_DAY:
        return localize(datetime.combine(day + timedelta(days=1), time()), zone)
    return localize(datetime.combine(day, wall), zone)


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def restrict(pieces: Sequence[Piece], windows: Sequence[Interval]) -> list[Piece]:
    """The parts of ``pieces`` inside ``windows`` (sorted, disjoint)."""
    kept: list[Piece] = []
    for piece in pieces:
        for window in windows:
            if window.end <= piece.start:
                continue
            if window.start >= piece.end:
                break
            kept.append(
                replace(piece, start=max(piece.start, window.start), end=min(piece.end, window.end))
            )
    return kept


def subtract(pieces: Sequence[Piece], holes: Sequence[Interval]) -> list[Piece]:
    """The parts of ``pieces`` outside ``holes`` (``holes`` sorted and disjoint)."""
    kept: list[Piece] = []
    for piece in pieces:
        cursor = piece.start
        for hole in holes:
            if hole.end <= cursor:
                continue
            if hole.start >= piece.end:
                break
            if hole.start > cursor:
                kept.append(replace(piece, start=cursor, end=hole.start))
            cursor = max(cursor, hole.end)
            if cursor >= piece.end:
                break
        if cursor < piece.end:
            kept.append(replace(piece, start=cursor, end=piece.end))
    return kept


def overlay(base: Sequence[Piece], top: Sequence[Piece]) -> list[Piece]:
    """``top`` wins wherever it has someone; ``base`` shows through elsewhere."""
    if not top:
        return list(base)
    holes = merge_intervals(Interval(piece.start, piece.end) for piece in top)
    return sorted([*subtract(base, holes), *top], key=_order)


def merge_layers(layers: Sequence[Sequence[Piece]]) -> list[Piece]:
    """Layers from the base up merged: a later layer wins where it has someone."""
    merged: list[Piece] = []
    for pieces in layers:
        merged = overlay(merged, pieces)
    return merged


def join_adjacent(pieces: Sequence[Piece]) -> list[Piece]:
    """Pieces of the same person from the same source that touch become one."""
    joined: list[Piece] = []
    for piece in sorted(pieces, key=_order):
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.end == piece.start
            and (previous.username, previous.layer, previous.override_id)
            == (piece.username, piece.layer, piece.override_id)
        ):
            joined[-1] = replace(previous, end=piece.end)
        else:
            joined.append(piece)
    return joined


def _order(piece: Piece) -> tuple[datetime, datetime, str]:
    return (piece.start, piece.end, piece.username)
