"""Finished jobs are kept a while for inspection, then removed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import LiveConfig
from warroom.jobs.models import Job, JobStatus

KEEP_DONE = timedelta(days=7)
EVERY = timedelta(hours=1)


class JobPruner:
    """A worker stage: at most once an hour, delete done jobs finished over a week ago
    (dead ones stay until someone looks at them)."""

    def __init__(self) -> None:
        self._last: datetime | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], _live: LiveConfig, now: datetime
    ) -> int:
        if self._last is not None and now - self._last < EVERY:
            return 0
        self._last = now
        with session_factory() as session:
            session.execute(
                delete(Job).where(Job.status == JobStatus.DONE, Job.finished_at < now - KEEP_DONE)
            )
            session.commit()
        return 0  # housekeeping never counts as work that keeps the worker busy
