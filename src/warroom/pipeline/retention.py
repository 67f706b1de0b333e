"""Retention: a worker stage that prunes raw records by age and count, as configured
(``retention:``), in small batches.

Each batch is one short transaction that reads at most ``batch_size`` rows in primary-key
order (ids grow with time, so the oldest come first and no batch scans the table) and
removes those the policy lets go; the SQLite write lock is given back between batches, so
the ingest writer never waits behind more than one. Incidents, alerts, error issues and the
counts kept on them are never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy import ColumnElement, Table, delete, select, true
from sqlalchemy.orm import Session, sessionmaker

from warroom.alerts.models import AlertEvent
from warroom.config import LiveConfig
from warroom.config.retention import RetentionPolicy, RetentionSettings
from warroom.db.base import table_of
from warroom.errors.models import ErrorEvent
from warroom.ingest.models import Signal
from warroom.jobs.models import Job, JobStatus
from warroom.notify.models import Delivery, DeliveryStatus

log = structlog.get_logger("warroom.retention")
MAX_BATCHES_PER_KIND = 50
"""Per run and kind: a backlog is worked off over several runs, never in one long stretch."""


@dataclass(frozen=True)
class Kind:
    name: str
    table: Table
    at: str
    """The column whose age the policy's ``max_age`` is measured on."""
    prunable: ColumnElement[bool]
    """Rows that may go at all (processed signals, finished deliveries and jobs)."""

    def policy(self, settings: RetentionSettings) -> RetentionPolicy:
        policy: RetentionPolicy = getattr(settings, self.name)
        return policy


KINDS = (
    Kind("signals", table_of(Signal), "received_at", Signal.processed_at.is_not(None)),
    Kind("alert_events", table_of(AlertEvent), "at", true()),
    Kind(
        "deliveries",
        table_of(Delivery),
        "created_at",
        Delivery.status.in_(
            (DeliveryStatus.DELIVERED, DeliveryStatus.CANCELLED, DeliveryStatus.DEAD)
        ),
    ),
    Kind("jobs", table_of(Job), "finished_at", Job.status == JobStatus.DONE),
    Kind("error_events", table_of(ErrorEvent), "received_at", true()),
)


@dataclass
class PruneReport:
    """One run: rows removed per kind, batches, and the longest batch's transaction."""

    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    longest_batch_seconds: float = 0.0


def _count_cut(session: Session, kind: Kind, policy: RetentionPolicy) -> int | None:
    """The id at and below which rows fall outside the newest ``max_rows``; None if all fit."""
    if policy.max_rows is None:
        return None
    id_column = kind.table.c.id
    found = session.execute(
        select(id_column).order_by(id_column.desc()).offset(policy.max_rows).limit(1)
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def prune_kind(
    session_factory: sessionmaker[Session],
    kind: Kind,
    policy: RetentionPolicy,
    batch_size: int,
    now: datetime,
    report: PruneReport,
) -> int:
    if policy.max_age is None and policy.max_rows is None:
        return 0
    cutoff = now - policy.max_age if policy.max_age is not None else None
    id_column, at_column = kind.table.c.id, kind.table.c[kind.at]
    with session_factory() as session:
        count_cut = _count_cut(session, kind, policy)
        session.commit()
    after, removed = 0, 0
    for _ in range(MAX_BATCHES_PER_KIND):
        started = time.perf_counter()
        with session_factory() as session:
            rows = session.execute(
                select(id_column, at_column, kind.prunable)
                .where(id_column > after)
                .order_by(id_column)
                .limit(batch_size)
            ).all()
            doomed = [
                row[0]
                for row in rows
                if row[2]
                and (
                    (cutoff is not None and row[1] is not None and _naive(row[1]) < _naive(cutoff))
                    or (count_cut is not None and row[0] <= count_cut)
                )
            ]
            if doomed:
                session.execute(delete(kind.table).where(id_column.in_(doomed)))
            session.commit()
        report.batches += 1
        report.longest_batch_seconds = max(
            report.longest_batch_seconds, time.perf_counter() - started
        )
        removed += len(doomed)
        if len(rows) < batch_size:
            break
        last_id, last_at = rows[-1][0], rows[-1][1]
        still_old = cutoff is not None and last_at is not None and _naive(last_at) < _naive(cutoff)
        if not still_old and (count_cut is None or last_id > count_cut):
            break  # past the old rows: the rest is newer
        after = last_id
    return removed


def _naive(moment: datetime) -> datetime:
    """Core reads SQLite's datetimes back naive (UTC) and PostgreSQL's aware: compare both
    as naive UTC."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def prune(
    session_factory: sessionmaker[Session], settings: RetentionSettings, now: datetime
) -> PruneReport:
    report = PruneReport()
    for kind in KINDS:
        removed = prune_kind(
            session_factory, kind, kind.policy(settings), settings.batch_size, now, report
        )
        report.removed[kind.name] = removed
    return report


class Pruner:
    """A worker stage: prunes at most once per ``retention.every``."""

    def __init__(self) -> None:
        self._last: datetime | None = None
        self.last_report: PruneReport | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], live: LiveConfig, now: datetime
    ) -> int:
        settings = live.current.retention
        if self._last is not None and now - self._last < settings.every:
            return 0
        self._last = now
        report = prune(session_factory, settings, now)
        self.last_report = report
        if any(report.removed.values()):
            log.info(
                "retention_pruned",
                removed=report.removed,
                batches=report.batches,
                longest_batch_ms=round(report.longest_batch_seconds * 1000, 1),
            )
        return 0  # housekeeping never counts as work that keeps the worker busy
