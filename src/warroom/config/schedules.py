"""On-call schedules: rotation layers in a time zone, or an external iCal calendar.

Times in a schedule are wall-clock times in the schedule's IANA time zone, so a daily hand-off
at 09:00 stays at 09:00 across daylight-saving changes (the shift around a change is an hour
shorter or longer, never a gap or an overlap).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .base import StrictModel
from .hours import HoursWindow
from .people import Username
from .values import Duration, HttpUrlStr, NonEmptyStr, Slug, TimeZoneName, config_problem


class ShiftLength(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


def parse_local_datetime(value: object) -> datetime:
    """A wall-clock date and time without zone: 2026-01-05T09:00 (or '2026-01-05 09:00')."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise config_problem("give the time without a zone: it is read in the schedule's zone")
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            return parsed
    raise config_problem(
        f"invalid start {value!r}: use a local date and time like 2026-01-05T09:00 "
        "(read in the schedule's time zone)"
    )


def format_local_datetime(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


LocalDateTime = Annotated[
    datetime,
    PlainValidator(parse_local_datetime),
    PlainSerializer(format_local_datetime, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["2026-01-05T09:00"],
            "description": "Local date and time in the schedule's time zone, without offset.",
        }
    ),
]


class Layer(StrictModel):
    """A rotation: participants take turns, each for one shift, from ``start`` on.

    The first hand-off is at ``start``; the hand-off time of day (and day of the week, for
    weekly shifts) is that of ``start``.
    """

    name: NonEmptyStr = Field(description="Name of the layer, e.g. primary, business-hours.")
    participants: list[Username] = Field(
        min_length=1, description="Usernames (people) in rotation order."
    )
    start: LocalDateTime = Field(
        description="First hand-off, local to the schedule, e.g. 2026-01-05T09:00."
    )
    shift: ShiftLength | Duration = Field(
        default=ShiftLength.WEEKLY,
        description="Length of a shift: daily, weekly, or a duration like 12h or 3d (in "
        "wall-clock time).",
    )
    restrictions: list[HoursWindow] = Field(
        default_factory=list,
        description="Only on call inside these weekly windows (e.g. mon-fri 09:00-17:00); "
        "empty means at all times.",
    )
    end: LocalDateTime | None = Field(None, description="When the layer stops, if ever.")

    @field_validator("shift")
    @classmethod
    def _positive_shift(cls, shift: ShiftLength | timedelta) -> ShiftLength | timedelta:
        if isinstance(shift, timedelta) and shift < timedelta(hours=1):
            raise config_problem("shift must be at least 1h")
        if isinstance(shift, timedelta) and shift.total_seconds() % 60:
            raise config_problem("shift must be a whole number of minutes")
        return shift

    @property
    def shift_length(self) -> timedelta:
        if self.shift is ShiftLength.DAILY:
            return timedelta(days=1)
        if self.shift is ShiftLength.WEEKLY:
            return timedelta(weeks=1)
        assert isinstance(self.shift, timedelta)
        return self.shift


class ICalSource(StrictModel):
    """Shifts from an external calendar: each event is a shift of the person named by its
    ATTENDEE email, or else its SUMMARY, matched to a person's username, name or email."""

    url: HttpUrlStr | None = Field(None, description="http(s) URL of the .ics calendar.")
    file: Path | None = Field(None, description="Path of an .ics file.")
    refresh: Duration = Field(
        default=timedelta(minutes=15), description="How often to fetch the URL again."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ICalSource:
        if (self.url is None) == (self.file is None):
            raise config_problem("give url or file (exactly one)")
        return self


class Schedule(StrictModel):
    """Who is on call when: layers of rotations (a later layer wins where it has someone),
    or an external iCal calendar. Overrides made at runtime win over both."""

    slug: Slug = Field(description="Identifier, unique across schedules.")
    name: NonEmptyStr = Field(description="Human name, e.g. Payments primary.")
    team: Slug | None = Field(None, description="The team this schedule serves.")
    timezone: TimeZoneName = Field(description="IANA time zone of the hand-off times.")
    layers: list[Layer] = Field(
        default_factory=list,
        description="Rotation layers from the base up: where a later layer has someone on "
        "call, it wins over the earlier ones.",
    )
    ical: ICalSource | None = Field(None, description="An external calendar instead of layers.")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _layers_or_ical(self) -> Schedule:
        if not self.layers and self.ical is None:
            raise config_problem("a schedule needs layers or an ical source")
        if self.layers and self.ical is not None:
            raise config_problem("give layers or ical, not both")
        return self
