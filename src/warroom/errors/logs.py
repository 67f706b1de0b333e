"""``log`` items (``application/vnd.sentry.items.log+json``, a payload ``{"items": [...]}``):
counted per project, minute and level. Records are not kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.errors.health_models import LogMinute
from warroom.errors.items import ClaimedItem
from warroom.errors.payloads import BadItem, load_object, minute, parse_time
from warroom.ingest.sentry.models import ItemOutcome

LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")
ALIASES = {"warning": "warn", "critical": "fatal"}
OTHER = "other"
"""The level of records that name none warroom knows."""


def level_of(value: object) -> str:
    if not isinstance(value, str):
        return OTHER
    level = ALIASES.get(value.lower(), value.lower())
    return level if level in LEVELS else OTHER


def count_item(item: ClaimedItem) -> Counter[tuple[datetime, str]]:
    body = load_object(item.payload, "log")
    records = body.get("items")
    if not isinstance(records, list):
        raise BadItem("items is required (a list of log records)")
    counts: Counter[tuple[datetime, str]] = Counter()
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise BadItem(f"items[{index}] is not an object")
        stamp = record.get("timestamp")
        at = item.received_at if stamp is None else parse_time(stamp, f"items[{index}].timestamp")
        counts[(minute(at), level_of(record.get("level")))] += 1
    return counts


def record(session: Session, project_id: int, items: Sequence[ClaimedItem]) -> None:
    counts: Counter[tuple[datetime, str]] = Counter()
    for item in items:
        try:
            counts += count_item(item)
        except BadItem as exc:
            item.decided(ItemOutcome.INVALID, f"log: {exc}")
    upsert(
        session,
        table_of(LogMinute),
        [
            {"project_id": project_id, "minute": at, "level": level, "count": number}
            for (at, level), number in sorted(counts.items())
        ],
        ("project_id", "minute", "level"),
        add=("count",),
    )


def counts(
    session: Session, project_id: int, since: datetime | None = None, per_minute: bool = False
) -> list[tuple[datetime | None, str, int]]:
    """(minute or None for the whole range, level, records), oldest minute first."""
    m = LogMinute
    keys = [m.minute, m.level] if per_minute else [m.level]
    query = select(*keys, func.sum(m.count)).where(m.project_id == project_id)
    if since is not None:
        query = query.where(m.minute >= minute(since))
    rows = session.execute(query.group_by(*keys).order_by(*keys)).all()
    if per_minute:
        return [(row[0], row[1], int(row[2])) for row in rows]
    return [(None, row[0], int(row[1])) for row in rows]
