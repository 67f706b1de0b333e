"""Writing and reading the embedded metric store.

A series is identified by the SHA-256 of its canonical labels (``__name__`` included); a
sample pushed twice for the same series and millisecond keeps the later value.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.detect.metrics.models import MetricSample, MetricSeries, Resolution

NAME = "__name__"


@dataclass(frozen=True, slots=True)
class Point:
    """One sample to store: a series' labels (``__name__`` included), when, and its value."""

    labels: dict[str, str]
    at_ms: int
    value: float


def fingerprint(labels: dict[str, str]) -> str:
    canonical = orjson.dumps(sorted(labels.items()))
    return hashlib.sha256(canonical).hexdigest()


def _series_ids(
    session: Session, labelsets: dict[str, dict[str, str]], now: datetime
) -> dict[str, int]:
    prints = list(labelsets)
    upsert(
        session,
        table_of(MetricSeries),
        [
            {
                "fingerprint": p,
                "name": labelsets[p].get(NAME, ""),
                "labels": labelsets[p],
                "created_at": now,
            }
            for p in prints
        ],
        ["fingerprint"],
    )
    ids: dict[str, int] = {}
    for chunk in range(0, len(prints), 500):
        rows = session.execute(
            select(MetricSeries.fingerprint, MetricSeries.id).where(
                MetricSeries.fingerprint.in_(prints[chunk : chunk + 500])
            )
        )
        ids.update({p: i for p, i in rows})
    return ids


def write(session: Session, points: Sequence[Point], now: datetime) -> int:
    """Store ``points`` (NaN values, Prometheus's staleness markers, are dropped); returns
    how many were stored."""
    kept = [p for p in points if not math.isnan(p.value)]
    if not kept:
        return 0
    labelsets = {fingerprint(p.labels): p.labels for p in kept}
    ids = _series_ids(session, labelsets, now)
    rows: dict[tuple[int, int], dict[str, object]] = {}
    for p in kept:
        series_id = ids[fingerprint(p.labels)]
        rows[(series_id, p.at_ms)] = {
            "series_id": series_id,
            "resolution": Resolution.RAW.value,
            "at_ms": p.at_ms,
            "value": p.value,
        }
    table = table_of(MetricSample)
    values = list(rows.values())
    for chunk in range(0, len(values), 1000):
        upsert(
            session,
            table,
            values[chunk : chunk + 1000],
            ["series_id", "resolution", "at_ms"],
            replace=["value"],
        )
    return len(values)


@dataclass(frozen=True, slots=True)
class StoredSeries:
    id: int
    labels: dict[str, str]


def series_named(session: Session, name: str | None) -> list[StoredSeries]:
    """Every series of metric ``name`` (all series when None)."""
    statement = select(MetricSeries.id, MetricSeries.labels)
    if name is not None:
        statement = statement.where(MetricSeries.name == name)
    return [StoredSeries(i, dict(labels)) for i, labels in session.execute(statement)]


def samples(
    session: Session, series_ids: Iterable[int], start_ms: int, end_ms: int
) -> dict[int, list[tuple[int, float]]]:
    """Samples of ``series_ids`` in [start_ms, end_ms] in time order: the raw samples, and
    before the first of them the 5-minute averages retention folded older ones into."""
    ids = list(series_ids)
    raw: dict[int, list[tuple[int, float]]] = {i: [] for i in ids}
    folded: dict[int, list[tuple[int, float]]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(
                MetricSample.series_id,
                MetricSample.resolution,
                MetricSample.at_ms,
                MetricSample.value,
            )
            .where(
                MetricSample.series_id.in_(ids[chunk : chunk + 500]),
                MetricSample.at_ms >= start_ms,
                MetricSample.at_ms <= end_ms,
            )
            .order_by(MetricSample.series_id, MetricSample.at_ms)
        )
        for series_id, resolution, at_ms, value in rows:
            target = raw if resolution is Resolution.RAW else folded
            target[series_id].append((at_ms, value))
    out: dict[int, list[tuple[int, float]]] = {}
    for i in ids:
        first_raw = raw[i][0][0] if raw[i] else end_ms + 1
        out[i] = [s for s in folded[i] if s[0] < first_raw] + raw[i]
    return out
