"""Retention of the embedded store, a worker stage in small batches: raw samples older
than ``metrics.store.raw_retention`` are folded into 5-minute averages (stamped at the
bucket's start) and deleted; averages older than ``downsampled_retention`` are deleted."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from warroom.config import LiveConfig
from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.detect.metrics.models import MetricSample, Resolution

BUCKET_MS = 5 * 60 * 1000
BATCH = 5000
EVERY = timedelta(minutes=10)


def fold(session: Session, cutoff_ms: int, batch: int = BATCH) -> int:
    """Fold up to ``batch`` raw samples before ``cutoff_ms`` (rounded down to a bucket);
    returns how many raw samples were folded. A bucket is folded whole: the last one of a
    full batch waits for the next call, so an average never mixes two passes."""
    cutoff_ms -= cutoff_ms % BUCKET_MS
    rows = session.execute(
        select(MetricSample.series_id, MetricSample.at_ms, MetricSample.value)
        .where(MetricSample.resolution == Resolution.RAW, MetricSample.at_ms < cutoff_ms)
        .order_by(MetricSample.series_id, MetricSample.at_ms)
        .limit(batch)
    ).all()
    if not rows:
        return 0
    groups: dict[tuple[int, int], list[float]] = defaultdict(list)
    for series_id, at_ms, value in rows:
        groups[(series_id, at_ms - at_ms % BUCKET_MS)].append(value)
    keys = list(groups)
    if len(rows) == batch and len(keys) > 1:
        keys.pop()  # may continue beyond this batch
    upsert(
        session,
        table_of(MetricSample),
        [
            {
                "series_id": series_id,
                "resolution": Resolution.FIVE_MINUTES.value,
                "at_ms": bucket,
                "value": sum(groups[(series_id, bucket)]) / len(groups[(series_id, bucket)]),
            }
            for series_id, bucket in keys
        ],
        ["series_id", "resolution", "at_ms"],
        replace=["value"],
    )
    folded = 0
    for series_id, bucket in keys:
        session.execute(
            delete(MetricSample).where(
                MetricSample.series_id == series_id,
                MetricSample.resolution == Resolution.RAW,
                MetricSample.at_ms >= bucket,
                MetricSample.at_ms < bucket + BUCKET_MS,
            )
        )
        folded += len(groups[(series_id, bucket)])
    return folded


def expire(session: Session, cutoff_ms: int) -> int:
    result = session.execute(
        delete(MetricSample).where(
            MetricSample.resolution == Resolution.FIVE_MINUTES, MetricSample.at_ms < cutoff_ms
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


class MetricRetention:
    """Worker stage: a batch per call while there is work, then rest for :data:`EVERY`."""

    def __init__(self, every: timedelta = EVERY) -> None:
        self.every = every
        self._rest_until: datetime | None = None

    def __call__(
        self, session_factory: sessionmaker[Session], live_config: LiveConfig, now: datetime
    ) -> int:
        if self._rest_until is not None and now < self._rest_until:
            return 0
        store = live_config.current.metrics.store
        now_ms = round(now.timestamp() * 1000)
        with session_factory() as session:
            done = fold(session, now_ms - round(store.raw_retention.total_seconds() * 1000))
            done += expire(
                session, now_ms - round(store.downsampled_retention.total_seconds() * 1000)
            )
            session.commit()
        if done == 0:
            self._rest_until = now + self.every
        return done
