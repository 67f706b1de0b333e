"""A check-in's ``monitor_config``, checked, and the schedule arithmetic of a cron monitor.

Crontab schedules and intervals of minutes to weeks reuse the heartbeat's arithmetic
(``warroom.ingest.heartbeat.deadline_after``: the next expected time after a check-in, a
check-in shortly before a scheduled time counting for it, and the margin as its grace).
Intervals of months and years step by calendar months (the day clamped to the month's end).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from warroom.clock import as_utc
from warroom.config import HeartbeatSpec
from warroom.errors.health_models import NAME_LENGTH, Monitor, ScheduleKind
from warroom.errors.payloads import BadItem, text
from warroom.ingest.heartbeat import deadline_after

DEFAULT_MARGIN = 1
"""Minutes a check-in may be late, when the config names none."""
DEFAULT_MAX_RUNTIME = 30
"""Minutes a run may stay in progress, when the config names none."""
DEFAULT_THRESHOLD = 1
DEFAULT_TIMEZONE = "UTC"
MAX_MINUTES = 40 * 24 * 60
"""Longest margin or runtime taken (40 days)."""
MAX_THRESHOLD = 720
MAX_INTERVAL = 10_000
MONTHS_PER_YEAR = 12
UNITS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
CALENDAR_UNITS = {"month": 1, "year": MONTHS_PER_YEAR}
CRONTAB_NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


@dataclass(frozen=True)
class MonitorSettings:
    schedule_kind: ScheduleKind
    schedule: str
    interval_unit: str | None
    timezone: str
    checkin_margin: int
    max_runtime: int
    failure_issue_threshold: int
    recovery_threshold: int
    owner: str | None

    def apply(self, monitor: Monitor) -> None:
        for name, value in self.__dict__.items():
            setattr(monitor, name, value)


def _number(config: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadItem(f"monitor_config.{name} is not an integer from {low} to {high}")
    return value


def _schedule(config: dict[str, Any]) -> tuple[ScheduleKind, str, str | None]:
    schedule = config.get("schedule")
    if not isinstance(schedule, dict):
        raise BadItem("monitor_config.schedule is required (an object with type and value)")
    kind, value = schedule.get("type"), schedule.get("value")
    if kind == ScheduleKind.CRONTAB.value:
        if not isinstance(value, str) or not value.strip():
            raise BadItem("monitor_config.schedule.value is not a crontab")
        value = value.strip()
        return ScheduleKind.CRONTAB, CRONTAB_NICKNAMES.get(value.lower(), value), None
    if kind == ScheduleKind.INTERVAL.value:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INTERVAL:
            raise BadItem(
                f"monitor_config.schedule.value is not an integer from 1 to {MAX_INTERVAL}"
            )
        unit = schedule.get("unit")
        if unit not in UNITS and unit not in CALENDAR_UNITS:
            units = ", ".join([*UNITS, *CALENDAR_UNITS])
            raise BadItem(f"monitor_config.schedule.unit is not one of {units}")
        return ScheduleKind.INTERVAL, str(value), str(unit)
    raise BadItem("monitor_config.schedule.type is not crontab or interval")


def parse_settings(config: object) -> MonitorSettings:
    if not isinstance(config, dict):
        raise BadItem("monitor_config is not an object")
    kind, schedule, unit = _schedule(config)
    zone = config.get("timezone") or DEFAULT_TIMEZONE
    if not isinstance(zone, str):
        raise BadItem("monitor_config.timezone is not a string")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadItem(f"monitor_config.timezone {zone[:60]!r} is not an IANA time zone") from None
    if kind is ScheduleKind.CRONTAB:
        try:
            HeartbeatSpec(cron=schedule, timezone=zone)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise BadItem(f"monitor_config.schedule.value {schedule[:60]!r}: {reason}") from None
    return MonitorSettings(
        schedule_kind=kind,
        schedule=schedule,
        interval_unit=unit,
        timezone=zone,
        checkin_margin=_number(config, "checkin_margin", DEFAULT_MARGIN, 0, MAX_MINUTES),
        max_runtime=_number(config, "max_runtime", DEFAULT_MAX_RUNTIME, 1, MAX_MINUTES),
        failure_issue_threshold=_number(
            config, "failure_issue_threshold", DEFAULT_THRESHOLD, 1, MAX_THRESHOLD
        ),
        recovery_threshold=_number(
            config, "recovery_threshold", DEFAULT_THRESHOLD, 1, MAX_THRESHOLD
        ),
        owner=text(config.get("owner"), "monitor_config.owner", NAME_LENGTH),
    )


# --- schedule arithmetic ----------------------------------------------------------------


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // MONTHS_PER_YEAR, index % MONTHS_PER_YEAR + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def heartbeat_spec(monitor: Monitor) -> HeartbeatSpec | None:
    """The heartbeat schedule equal to the monitor's (None for month and year intervals)."""
    grace = timedelta(minutes=monitor.checkin_margin)
    if monitor.schedule_kind is ScheduleKind.CRONTAB:
        return HeartbeatSpec(cron=monitor.schedule, timezone=monitor.timezone, grace=grace)
    step = UNITS.get(monitor.interval_unit or "")
    if step is None:
        return None
    return HeartbeatSpec(interval=step * int(monitor.schedule), grace=grace)


def next_deadline(monitor: Monitor, moment: datetime) -> tuple[datetime, datetime]:
    """(next expected check-in, deadline = expected + margin) after a check-in at ``moment``."""
    spec = heartbeat_spec(monitor)
    if spec is not None:
        return deadline_after(spec, moment)
    months = CALENDAR_UNITS[monitor.interval_unit or "month"] * int(monitor.schedule)
    expected = _add_months(as_utc(moment), months)
    return expected, expected + timedelta(minutes=monitor.checkin_margin)


def describe(monitor: Monitor) -> str:
    if monitor.schedule_kind is ScheduleKind.CRONTAB:
        return f"crontab '{monitor.schedule}' ({monitor.timezone})"
    plural = "" if monitor.schedule == "1" else "s"
    return f"every {monitor.schedule} {monitor.interval_unit}{plural}"
