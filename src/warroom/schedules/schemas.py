"""API shapes of schedules, shifts, overrides, people and feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from warroom.incidents.schemas import Strict, UtcDatetime


class OnCallOut(BaseModel):
    username: str
    name: str
    until: datetime | None = Field(
        description="When this person stops being on call (None: not within 35 days)."
    )


class ScheduleSummary(BaseModel):
    slug: str
    name: str
    team: str | None
    timezone: str
    source: Literal["layers", "ical"]
    on_call: list[OnCallOut] = Field(description="On call now; empty means nobody (a gap).")


class RestrictionOut(BaseModel):
    days: list[str]
    start: str
    end: str


class LayerOut(BaseModel):
    name: str
    participants: list[str]
    start: str = Field(description="First hand-off, local to the schedule.")
    shift: str
    restrictions: list[RestrictionOut]
    end: str | None


class CalendarOut(BaseModel):
    kind: Literal["url", "file"]
    refresh: str
    fetched_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    unmatched_events: int = Field(
        description="Events of the next 90 days that match no configured person."
    )


class ScheduleDetail(ScheduleSummary):
    layers: list[LayerOut]
    calendar: CalendarOut | None


class ShiftOut(BaseModel):
    username: str
    name: str
    start: datetime
    end: datetime
    layer: str | None
    override_id: int | None


class ShiftsOut(BaseModel):
    schedule: str
    timezone: str
    start: datetime
    end: datetime
    shifts: list[ShiftOut]
    unmatched_events: int = Field(0, description="Calendar events that match nobody.")


class OverrideCreate(Strict):
    user: str = Field(min_length=1, max_length=64, description="Who covers.")
    replaces: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Cover only where this person would be on call; omit to cover the whole "
        "schedule in the window.",
    )
    start: UtcDatetime
    end: UtcDatetime
    reason: str = Field("", max_length=2000)


class OverrideOut(BaseModel):
    id: int
    schedule: str
    user: str
    replaces: str | None
    start: datetime
    end: datetime
    reason: str
    created_at: datetime
    created_by: str | None
    cancelled_at: datetime | None


class OnCallEntry(BaseModel):
    schedule: str
    schedule_name: str
    team: str | None
    timezone: str
    at: datetime
    on_call: list[OnCallOut]


class PersonOut(BaseModel):
    username: str
    name: str
    timezone: str | None
    contacts: list[str] = Field(description="Kinds of contact the person has (no addresses).")


class FeedUrlOut(BaseModel):
    url: str
