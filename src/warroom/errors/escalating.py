"""Escalating: an issue whose events of the last hour are a spike over its own baseline.

The baseline is the issue's mean events per hour over the week before that hour (or since
it was first seen, when that is shorter). An hour with at least ``ESCALATING_MIN_EVENTS``
events and more than ``ESCALATING_FACTOR`` times the baseline escalates. An issue younger
than ``MIN_AGE`` has no baseline yet: it is new, not escalating.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.errors.issues import events_within
from warroom.errors.models import Issue

RECENT = timedelta(hours=1)
BASELINE = timedelta(days=7)
MIN_AGE = timedelta(hours=2)
ESCALATING_FACTOR = 5.0
ESCALATING_MIN_EVENTS = 10
SECONDS_PER_HOUR = 3600


def is_escalating(session: Session, issue: Issue, now: datetime) -> bool:
    now = as_utc(now)
    age = now - as_utc(issue.first_seen)
    if age < MIN_AGE:
        return False
    recent = events_within(session, issue.id, now - RECENT)
    if recent < ESCALATING_MIN_EVENTS:
        return False
    span = min(BASELINE, age - RECENT)
    before = events_within(session, issue.id, now - RECENT - span) - recent
    hourly = before / (span.total_seconds() / SECONDS_PER_HOUR)
    return recent > ESCALATING_FACTOR * hourly
