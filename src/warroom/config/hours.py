"""Weekly windows of wall-clock hours (working hours, extended hours, rotation restrictions)."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from .base import StrictModel as _Model
from .values import TIME_OF_DAY_PATTERN, TimeOfDay, config_problem, parse_time_of_day

END_OF_DAY = time.max
"""``end: "24:00"``: the window runs to midnight at the end of the day."""


def parse_window_end(value: object) -> time:
    """HH:MM, or 24:00 for the end of the day."""
    if value == "24:00":
        return END_OF_DAY
    return parse_time_of_day(value)


def format_window_time(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


WindowEnd = Annotated[
    time,
    PlainValidator(parse_window_end),
    PlainSerializer(format_window_time, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^(?:{TIME_OF_DAY_PATTERN[1:-1]}|24:00)$",
            "examples": ["17:00", "24:00"],
            "description": "A time of day, 24-hour HH:MM; 24:00 is the end of the day.",
        }
    ),
]


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
    end: WindowEnd = Field(
        description="End of the window, 24-hour HH:MM, exclusive; 24:00 is midnight at the "
        "end of the day."
    )

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
                f"end {format_window_time(end)} must be after start {start:%H:%M} (windows "
                "cannot cross midnight)"
            )
        return end

    def contains(self, local: datetime) -> bool:
        """Whether ``local`` (already in the team's time zone) falls inside the window."""
        day = WEEKDAYS[local.weekday()]
        return day in self.days and self.start <= local.time().replace(tzinfo=None) < self.end
