"""Transactions, kept as per-minute aggregates per project and transaction name: count,
errors, the sum of durations, and a histogram of durations from which p50 and p95 come.

Durations (``timestamp - start_timestamp``) fall into logarithmic buckets: bucket ``b``
holds ``[MIN_MS·R^b, MIN_MS·R^(b+1))`` with ``R = BUCKET_RATIO`` (2%), and a quantile is
reported as its bucket's geometric middle, so it is within ``√R - 1`` (under 1%) of the exact
nearest-rank quantile of the same transactions, for one minute or any range of minutes (the
histograms add up exactly). Durations under ``MIN_MS`` count as ``MIN_MS``.

A transaction counts as an error when its ``contexts.trace.status`` is set to anything but
``ok``, ``cancelled`` or ``unknown`` — the statuses Sentry's failure rate does not count as
failures (an absent status is ok).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.errors.health_models import NAME_LENGTH, TransactionBucket, TransactionMinute
from warroom.errors.items import ClaimedItem
from warroom.errors.payloads import BadItem, load_object, minute, parse_time
from warroom.ingest.sentry.models import ItemOutcome

BUCKET_RATIO = 1.02
MIN_MS = 0.01
MS_PER_SECOND = 1000.0
ERROR_BOUND = math.sqrt(BUCKET_RATIO) - 1
"""Largest relative error of a reported quantile."""
NOT_FAILURES = frozenset({"ok", "cancelled", "unknown"})
P50, P95 = 0.5, 0.95
_LOG_RATIO = math.log(BUCKET_RATIO)


def bucket_of(duration_ms: float) -> int:
    return math.floor(math.log(max(duration_ms, MIN_MS) / MIN_MS) / _LOG_RATIO)


def value_of(bucket: int) -> float:
    """The bucket's geometric middle, in milliseconds."""
    middle: float = MIN_MS * BUCKET_RATIO ** (bucket + 0.5)
    return middle


def quantile(histogram: Counter[int], q: float) -> float | None:
    """The nearest-rank ``q`` quantile (in ms) of the histogram; None when it is empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return value_of(bucket)
    raise AssertionError("unreachable: the ranks add up to the total")


@dataclass(frozen=True)
class Transaction:
    name: str
    minute: datetime
    duration_ms: float
    failed: bool


def parse(item: ClaimedItem) -> Transaction:
    body = load_object(item.payload, "transaction")
    name = body.get("transaction")
    if not isinstance(name, str) or not name:
        raise BadItem("transaction (the name) is required")
    if "start_timestamp" not in body or "timestamp" not in body:
        raise BadItem("start_timestamp and timestamp are required")
    start = parse_time(body["start_timestamp"], "start_timestamp")
    end = parse_time(body["timestamp"], "timestamp")
    if end < start:
        raise BadItem("timestamp is before start_timestamp")
    contexts = body.get("contexts")
    trace = contexts.get("trace") if isinstance(contexts, dict) else None
    status = trace.get("status") if isinstance(trace, dict) else None
    failed = isinstance(status, str) and status not in NOT_FAILURES
    duration = (end - start).total_seconds() * MS_PER_SECOND
    return Transaction(name[:NAME_LENGTH], minute(end), duration, failed)


@dataclass
class _Minute:
    count: int = 0
    errors: int = 0
    duration_ms: float = 0.0
    buckets: Counter[int] = field(default_factory=Counter)


def record(session: Session, project_id: int, items: Sequence[ClaimedItem]) -> None:
    minutes: dict[tuple[str, datetime], _Minute] = {}
    for item in items:
        try:
            found = parse(item)
        except BadItem as exc:
            item.decided(ItemOutcome.INVALID, f"transaction: {exc}")
            continue
        tally = minutes.setdefault((found.name, found.minute), _Minute())
        tally.count += 1
        tally.errors += found.failed
        tally.duration_ms += found.duration_ms
        tally.buckets[bucket_of(found.duration_ms)] += 1
    keys = sorted(minutes)
    upsert(
        session,
        table_of(TransactionMinute),
        [
            {
                "project_id": project_id,
                "name": name,
                "minute": at,
                "count": minutes[(name, at)].count,
                "errors": minutes[(name, at)].errors,
                "duration_ms": minutes[(name, at)].duration_ms,
            }
            for name, at in keys
        ],
        ("project_id", "name", "minute"),
        add=("count", "errors", "duration_ms"),
    )
    upsert(
        session,
        table_of(TransactionBucket),
        [
            {"project_id": project_id, "name": name, "minute": at, "bucket": b, "count": n}
            for name, at in keys
            for b, n in sorted(minutes[(name, at)].buckets.items())
        ],
        ("project_id", "name", "minute", "bucket"),
        add=("count",),
    )


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    name: str
    minute: datetime | None
    """None: the whole range."""
    count: int
    errors: int
    mean_ms: float
    p50_ms: float | None
    p95_ms: float | None


def _summary(
    name: str, at: datetime | None, count: int, errors: int, total: float, hist: Counter[int]
) -> Summary:
    mean = total / count if count else 0.0
    return Summary(name, at, count, errors, mean, quantile(hist, P50), quantile(hist, P95))


def summaries(
    session: Session,
    project_id: int,
    since: datetime | None = None,
    name: str | None = None,
    per_minute: bool = False,
) -> list[Summary]:
    """Per transaction name over the range (or, with ``per_minute``, per name and minute)."""
    m, b = TransactionMinute, TransactionBucket
    where_m = [m.project_id == project_id]
    where_b = [b.project_id == project_id]
    if since is not None:
        where_m.append(m.minute >= minute(since))
        where_b.append(b.minute >= minute(since))
    if name is not None:
        where_m.append(m.name == name)
        where_b.append(b.name == name)
    key_m = [m.name, m.minute] if per_minute else [m.name]
    key_b = [b.name, b.minute] if per_minute else [b.name]
    totals = session.execute(
        select(*key_m, func.sum(m.count), func.sum(m.errors), func.sum(m.duration_ms))
        .where(*where_m)
        .group_by(*key_m)
    ).all()
    histograms: dict[tuple[object, ...], Counter[int]] = {}
    for *key, bucket, count in session.execute(
        select(*key_b, b.bucket, func.sum(b.count)).where(*where_b).group_by(*key_b, b.bucket)
    ):
        histograms.setdefault(tuple(key), Counter())[bucket] += int(count)
    found = []
    for *key, count, errors, total in totals:
        at = key[1] if per_minute else None
        hist = histograms.get(tuple(key), Counter())
        found.append(_summary(key[0], at, int(count), int(errors), float(total or 0), hist))
    return sorted(found, key=lambda s: (s.name, s.minute or datetime.min))
