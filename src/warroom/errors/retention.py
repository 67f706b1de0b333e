"""Error tracking's housekeeping, a worker stage run at most once an hour:

- processed intake items (their payload already dropped) are kept ``KEEP_ITEMS`` for
  inspection, then removed;
- per-minute event counts older than anything reads them (the escalation baseline of a week
  and its hour, with a day to spare) are removed.

Issues, their events' index rows, tags, users and releases stay: their counts are exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import LiveConfig
from warroom.errors.escalating import BASELINE, RECENT
from warroom.errors.issues import forget_minutes_before
from warroom.ingest.sentry.models import ErrorItem

KEEP_ITEMS = timedelta(days=7)
KEEP_MINUTES = BASELINE + RECENT + timedelta(days=1)
EVERY = timedelta(hours=1)


def prune(session: Session, now: datetime) -> None:
    session.execute(
        delete(ErrorItem).where(
            ErrorItem.processed_at.is_not(None), ErrorItem.processed_at < now - KEEP_ITEMS
        )
    )
    forget_minutes_before(session, now - KEEP_MINUTES)


class ErrorPruner:
    def __init__(self) -> None:
        self._last: datetime | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], _live: LiveConfig, now: datetime
    ) -> int:
        if self._last is not None and now - self._last < EVERY:
            return 0
        self._last = now
        with session_factory() as session:
            prune(session, now)
            session.commit()
        return 0  # housekeeping never counts as work that keeps the worker busy
