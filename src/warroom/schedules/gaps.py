"""Gaps in a layered schedule: stretches with nobody on call, from the configuration alone
(runtime overrides are not considered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from warroom.config import Config
from warroom.config.schedules import Schedule
from warroom.schedules.rotation import Interval, layer_pieces, merge_intervals, merge_layers

GAP_HORIZON = timedelta(weeks=4)
MAX_GAPS_SHOWN = 3


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[Gap]:
    """Where nobody is on call between ``start`` and ``end`` (UTC), in time order."""
    zone = schedule.zone
    pieces = merge_layers([layer_pieces(layer, zone, start, end) for layer in schedule.layers])
    covered = merge_intervals(Interval(piece.start, piece.end) for piece in pieces)
    found: list[Gap] = []
    cursor = start
    for interval in covered:
        if interval.start > cursor:
            found.append(Gap(cursor, interval.start))
        cursor = max(cursor, interval.end)
    if cursor < end:
        found.append(Gap(cursor, end))
    return found


def gap_warnings(schedule: Schedule, now: datetime) -> list[str]:
    """Sentences about the gaps of a layered schedule in the next four weeks."""
    if not schedule.layers:
        return []
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    found = gaps(schedule, start, start + GAP_HORIZON)
    zone = schedule.zone
    warnings = [
        f"schedule {schedule.slug!r} has nobody on call "
        f"{gap.start.astimezone(zone):%Y-%m-%d %H:%M} - {gap.end.astimezone(zone):%Y-%m-%d %H:%M} "
        f"({schedule.timezone})"
        for gap in found[:MAX_GAPS_SHOWN]
    ]
    if len(found) > MAX_GAPS_SHOWN:
        warnings.append(
            f"schedule {schedule.slug!r} has {len(found) - MAX_GAPS_SHOWN} more gaps in the next "
            "4 weeks (see warroom oncall show); add a layer or widen restrictions to cover them"
        )
    return warnings


def schedule_gap_warnings(config: Config, now: datetime) -> list[str]:
    """Stretches of the next four weeks when a layered schedule has nobody on call (added to
    ``warroom.config.config_warnings`` by ``warroom config check``)."""
    return [warning for schedule in config.schedules for warning in gap_warnings(schedule, now)]
