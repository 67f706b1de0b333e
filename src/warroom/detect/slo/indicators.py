"""Error ratios of an SLO's indicator over a window ending at a time.

``PromqlRatio`` evaluates the configured queries through a :class:`SeriesSource` with the
window written in; ``SessionRatio`` and ``TransactionRatio`` count warroom's own minute
buckets (crashed sessions of all started, failed transactions of all). Each answers None
when there were no events in the window: no data is neither good nor bad.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.slos import (
    WINDOW_PLACEHOLDERS,
    PromqlIndicator,
    SessionsIndicator,
    Slo,
    TransactionsIndicator,
)
from warroom.detect.series import SeriesSource
from warroom.errors.health_models import SessionMinute, TransactionMinute


class ErrorRatio(Protocol):
    def ratio(self, window: timedelta, at: datetime) -> float | None:
        """Bad events / all events in (at - window, at]."""
        ...


class NoMetricStore(Exception):
    """A PromQL SLO, and no metric store is configured."""


def prometheus_duration(window: timedelta) -> str:
    """``window`` as a PromQL range, e.g. 5m, 1h, 3d (largest whole unit)."""
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def with_window(query: str, window: timedelta) -> str:
    text = prometheus_duration(window)
    for placeholder in WINDOW_PLACEHOLDERS:
        query = query.replace(placeholder, text)
    return query


@dataclass(frozen=True)
class PromqlRatio:
    indicator: PromqlIndicator
    source: SeriesSource

    def _sum(self, query: str, window: timedelta, at: datetime) -> float | None:
        values = self.source.query(with_window(query, window), at.timestamp())
        if not values:
            return None
        return sum(v.value for v in values)

    def ratio(self, window: timedelta, at: datetime) -> float | None:
        found = self.indicator
        if found.ratio is not None:
            return self._sum(found.ratio, window, at)
        assert found.total is not None
        total = self._sum(found.total, window, at)
        if not total:
            return None
        if found.errors is not None:
            return (self._sum(found.errors, window, at) or 0.0) / total
        assert found.good is not None
        return 1 - (self._sum(found.good, window, at) or 0.0) / total


@dataclass(frozen=True)
class MinuteCounts:
    """Bad and all events from a minute-bucket table, buckets starting in [at - window, at)."""

    session: Session
    minute: InstrumentedAttribute[datetime]
    bad: InstrumentedAttribute[int]
    total: InstrumentedAttribute[int]
    where: Sequence[ColumnElement[bool]]

    def ratio(self, window: timedelta, at: datetime) -> float | None:
        at = as_utc(at)
        row = self.session.execute(
            select(func.coalesce(func.sum(self.bad), 0), func.coalesce(func.sum(self.total), 0))
            .where(*self.where)
            .where(self.minute >= at - window, self.minute < at)
        ).one()
        bad, total = int(row[0]), int(row[1])
        return None if total == 0 else bad / total


def session_ratio(session: Session, project_id: int, found: SessionsIndicator) -> MinuteCounts:
    where: list[ColumnElement[bool]] = [SessionMinute.project_id == project_id]
    if found.environment is not None:
        where.append(SessionMinute.environment == found.environment)
    return MinuteCounts(
        session, SessionMinute.minute, SessionMinute.crashed, SessionMinute.started, where
    )


def transaction_ratio(
    session: Session, project_id: int, found: TransactionsIndicator
) -> MinuteCounts:
    where: list[ColumnElement[bool]] = [TransactionMinute.project_id == project_id]
    if found.transaction is not None:
        where.append(TransactionMinute.name == found.transaction)
    return MinuteCounts(
        session, TransactionMinute.minute, TransactionMinute.errors, TransactionMinute.count, where
    )


def error_ratio(
    session: Session, config: Config, slo: Slo, metrics: SeriesSource | None
) -> ErrorRatio:
    """The ratio source of ``slo``; raises :class:`NoMetricStore` for PromQL without a store."""
    found = slo.indicator
    if isinstance(found, PromqlIndicator):
        if metrics is None:
            raise NoMetricStore(f"SLO {slo.name} uses PromQL and no metric store is configured")
        return PromqlRatio(found, metrics)
    project = config.project(found.project)
    assert project is not None, "config references are checked"
    if isinstance(found, SessionsIndicator):
        return session_ratio(session, project.id, found)
    return transaction_ratio(session, project.id, found)
