"""Attachments that came with events: kept with the event id they belong to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from warroom.db.base import table_of
from warroom.errors.items import ClaimedItem
from warroom.errors.models import Attachment

MAX_NAME = 255
MAX_TYPE = 128
MAX_KIND = 64


def _text(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def store(session: Session, project_id: int, items: Sequence[ClaimedItem]) -> None:
    rows = [
        {
            "project_id": project_id,
            "event_id": item.event_id,
            "filename": _text(item.headers.get("filename"), MAX_NAME) or "attachment",
            "content_type": _text(item.headers.get("content_type"), MAX_TYPE),
            "attachment_type": _text(item.headers.get("attachment_type"), MAX_KIND),
            "size": len(item.payload),
            "data": item.payload,
            "received_at": item.received_at,
        }
        for item in items
    ]
    if rows:
        session.execute(insert(table_of(Attachment)), rows)
