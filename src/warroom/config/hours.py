"""Weekly windows of wall-clock hours (working hours, extended hours, rotation restrictions)."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from .base import StrictModel as _Model
from .values import TimeOfDay, config_problem


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = list(Weekday)
WORKDAYS = WEEKDAYS[:5]


class HoursWindow(_Model):
    """A weekly window in the team's time zone, e.g. mon-fri 09:00-17:00."""

    days: list[Weekday] = Field(
        min_length=1, description="Days of the week the window applies to: mon, tue, ... sun."
    )
    start: TimeOfDay = Field(description="Start of the window, 24-hour HH:MM, inclusive.")
    end: TimeOfDay = Field(description="End of the window, 24-hour HH:MM, exclusive.")

    @field_validator("days")
    @classmethod
    def _days_listed_once(cls, days: list[Weekday]) -> list[Weekday]:
        for position, day in enumerate(days):
            if day in days[:position]:
                raise config_problem(f"day '{day.value}' is listed twice")
        return days

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if isinstance(start, time) and end <= start:
            raise config_problem(
                f"end {end:%H:%M} must be after start {start:%H:%M} (windows cannot cross midnight)"
            )
        return end

    def contains(self, local: datetime) -> bool:
        """Whether ``local`` (already in the team's time zone) falls inside the window."""
        day = WEEKDAYS[local.weekday()]
        return day in self.days and self.start <= local.time().replace(tzinfo=None) < self.end
