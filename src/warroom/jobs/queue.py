"""Scheduling and running durable jobs.

A job runs in the same transaction that marks it done: either its effects and the "done"
commit together, or neither happens and another attempt (or another worker) runs it again.
On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets many workers share the table; on SQLite the
transaction's write lock does the same for the one worker.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.db.base import table_of
from warroom.db.bulk import bulk_insert
from warroom.db.outage import is_unavailable
from warroom.jobs.models import Job, JobStatus

log = structlog.get_logger("warroom.jobs")

JobHandler = Callable[[Session, Config, Any, datetime], None]
"""A job kind's handler: (session, configuration, the kind's payload, now). Each kind types its
payload (a TypedDict next to the code that schedules it, e.g. ``StepPayload``); the registry,
keyed by kind name, holds handlers of every payload type, hence ``Any`` here only."""
MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=30)


def schedule(
    session: Session,
    kind: str,
    due_at: datetime,
    now: datetime,
    payload: Mapping[str, object] | None = None,
    key: str | None = None,
) -> Job | None:
    """Add a job; with a ``key``, a job with the same key already scheduled wins."""
    if key is not None:
        existing = session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return None
    job = Job(
        kind=kind,
        key=key,
        payload=dict(payload or {}),
        due_at=due_at,
        status=JobStatus.PENDING,
        attempts=0,
        created_at=now,
    )
    session.add(job)
    return job


def backoff(attempts: int) -> timedelta:
    delay: timedelta = min(BASE_BACKOFF * (2 ** (attempts - 1)), MAX_BACKOFF)
    jitter = random.uniform(0.8, 1.2)
    return timedelta(seconds=delay.total_seconds() * jitter)


def run_one(
    session: Session,
    handlers: dict[str, JobHandler],
    config: Config,
    now: datetime,
) -> bool:
    """Claim and run the next due job; False when none is due."""
    stmt = (
        select(Job)
        .where(Job.status == JobStatus.PENDING, Job.due_at <= now)
        .order_by(Job.due_at, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    job = session.scalar(stmt)
    if job is None:
        session.rollback()
        return False
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        with session.begin_nested():
            handler(session, config, job.payload, now)
        job.status = JobStatus.DONE
        job.finished_at = now
    except Exception as exc:
        if is_unavailable(exc):  # not the job's fault: rolled back, run again once it is back
            raise
        job.attempts += 1
        job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts >= MAX_ATTEMPTS:
            job.status = JobStatus.DEAD
            job.finished_at = now
        else:
            job.due_at = now + backoff(job.attempts)
        log.warning(
            "job_failed", job_id=job.id, kind=job.kind, attempts=job.attempts, error=job.last_error
        )
    session.commit()
    return True


JOB_COLUMNS = ("kind", "key", "payload", "due_at", "status", "attempts", "created_at")


def schedule_many(
    session: Session,
    kind: str,
    jobs: Sequence[tuple[datetime, Mapping[str, object], str]],
    now: datetime,
) -> int:
    """``schedule`` for many keyed jobs of one kind (due time, payload, key): one query for
    the keys that exist, one bulk INSERT for the rest; returns how many were added."""
    keys = {key for _due, _payload, key in jobs}
    if not keys:
        return 0
    found = session.connection().execute(select(Job.key).where(Job.key.in_(sorted(keys))))
    existing = set(found.scalars())
    rows = []
    for due_at, payload, key in jobs:
        if key in existing:
            continue
        existing.add(key)
        rows.append((kind, key, payload, due_at, JobStatus.PENDING, 0, now))
    connection = session.connection()
    bulk_insert(table_of(Job), JOB_COLUMNS, connection.dialect).run(connection, rows)
    return len(rows)
