"""Counting what was dropped, per project: what SDKs report in ``client_report`` items
(rate-limit back-off, sampling, queue overflow, ...) and what the worker dropped itself
(invalid payloads, repeated event ids)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import orjson
from sqlalchemy.orm import Session

from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.errors.items import ClaimedItem
from warroom.errors.models import ProjectOutcome
from warroom.ingest.sentry.models import ItemOutcome

CLIENT = "client"
SERVER = "server"
REPORT_LISTS = (
    "discarded_events",
    "rate_limited_events",
    "filtered_events",
    "filtered_sampling_events",
)
MAX_FIELD = 64
"""Longest category and reason kept (a reason gets twice this)."""


def client_counts(item: ClaimedItem) -> Counter[tuple[str, str]]:
    """(category, reason) → quantity of one client report; an item that is not a report is
    marked invalid."""
    try:
        report = orjson.loads(item.payload)
    except orjson.JSONDecodeError as exc:
        item.decided(ItemOutcome.INVALID, f"client report is not valid JSON: {exc}")
        return Counter()
    counts: Counter[tuple[str, str]] = Counter()
    if not isinstance(report, dict):
        item.decided(ItemOutcome.INVALID, "client report is not a JSON object")
        return counts
    for name in REPORT_LISTS:
        entries = report.get(name)
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict):
                continue
            quantity = entry.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
                continue
            reason = str(entry.get("reason") or name)[: MAX_FIELD * 2]
            counts[(str(entry.get("category") or "unknown")[:MAX_FIELD], reason)] += quantity
    return counts


def record(
    session: Session,
    project_id: int,
    client: Counter[tuple[str, str]],
    items: Sequence[ClaimedItem],
    now: datetime,
) -> None:
    """Add the batch's client counts and the items the worker dropped."""
    rows: Counter[tuple[str, str, str]] = Counter()
    for (category, reason), quantity in client.items():
        rows[(CLIENT, category, reason)] += quantity
    for item in items:
        if item.outcome in (ItemOutcome.INVALID, ItemOutcome.DUPLICATE, ItemOutcome.FAILED):
            rows[(SERVER, item.kind.value, item.outcome.value)] += 1
    upsert(
        session,
        table_of(ProjectOutcome),
        [
            {
                "project_id": project_id,
                "source": source,
                "category": category,
                "reason": reason,
                "quantity": quantity,
                "last_at": now,
            }
            for (source, category, reason), quantity in rows.items()
        ],
        ("project_id", "source", "category", "reason"),
        add=("quantity",),
        greatest=("last_at",),
    )
