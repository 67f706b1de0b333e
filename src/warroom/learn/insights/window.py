"""The time window a figure covers, the window before it, and its trend buckets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.problems import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 731
DAILY_UP_TO = timedelta(days=14)
"""Windows this short trend per day; longer ones per week."""


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None, now: datetime) -> Window:
        """since/until as asked; until defaults to now, since to 30 days before until."""
        end = until or now
        start = since or end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise InvalidInput("since must be before until", field="since")
        if end - start > timedelta(days=MAX_DAYS):
            raise InvalidInput(f"the window may span at most {MAX_DAYS} days", field="since")
        return cls(start, end)

    @property
    def length(self) -> timedelta:
        return self.until - self.since

    @property
    def weeks(self) -> float:
        return self.length / timedelta(days=7)

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.since - self.length, self.since)

    def contains(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    @property
    def step(self) -> timedelta:
        return timedelta(days=1) if self.length <= DAILY_UP_TO else timedelta(days=7)

    def buckets(self) -> list[Window]:
        """Consecutive buckets (a day or a week) from since; the last one ends at until."""
        out: list[Window] = []
        start = self.since
        while start < self.until:
            end = min(start + self.step, self.until)
            out.append(Window(start, end))
            start = end
        return out

    def bucket_index(self, moment: datetime) -> int:
        return int((moment - self.since) / self.step)
