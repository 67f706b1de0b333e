"""What users said: ``user_report`` items (the crash-report dialog: ``event_id``, ``name``,
``email``, ``comments``) and ``feedback`` items (the feedback widget: an event whose
``contexts.feedback`` has ``message``, ``contact_email``, ``name``, ``url`` and
``associated_event_id``), kept linked to the event they are about."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.errors.health_models import NAME_LENGTH, FeedbackKind, UserFeedback
from warroom.errors.items import ClaimedItem
from warroom.errors.payloads import BadItem, load_object
from warroom.ingest.sentry.models import ItemKind, ItemOutcome

EVENT_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_MESSAGE = 10_000
MAX_URL = 2048


def _event_id(value: object, field: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadItem(f"{field} is required (32 hex digits)")
    compact = value.replace("-", "").lower()
    if not EVENT_ID.match(compact):
        raise BadItem(f"{field} is not an event id (32 hex digits)")
    return compact


def _clip(value: object, limit: int) -> str | None:
    """A string, cut to ``limit`` (names and addresses are kept as far as they fit)."""
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def parse(item: ClaimedItem, project_id: int) -> UserFeedback:
    body = load_object(item.payload, item.kind.value)
    if item.kind is ItemKind.USER_REPORT:
        message = body.get("comments")
        if not isinstance(message, str) or not message.strip():
            raise BadItem("comments is required")
        fields: dict[str, Any] = {
            "kind": FeedbackKind.USER_REPORT,
            "event_id": _event_id(body.get("event_id"), "event_id", required=True),
            "feedback_id": None,
            "name": _clip(body.get("name"), NAME_LENGTH),
            "email": _clip(body.get("email"), NAME_LENGTH),
            "url": None,
        }
    else:
        contexts = body.get("contexts")
        context = contexts.get("feedback") if isinstance(contexts, dict) else None
        if not isinstance(context, dict):
            raise BadItem("contexts.feedback is required")
        message = context.get("message")
        if not isinstance(message, str) or not message.strip():
            raise BadItem("contexts.feedback.message is required")
        fields = {
            "kind": FeedbackKind.FEEDBACK,
            "event_id": _event_id(
                context.get("associated_event_id"), "contexts.feedback.associated_event_id"
            ),
            "feedback_id": _event_id(body.get("event_id") or item.event_id, "event_id"),
            "name": _clip(context.get("name"), NAME_LENGTH),
            "email": _clip(context.get("contact_email"), NAME_LENGTH),
            "url": _clip(context.get("url"), MAX_URL),
        }
    return UserFeedback(
        project_id=project_id,
        message=message[:MAX_MESSAGE],
        received_at=item.received_at,
        **fields,
    )


def record(session: Session, project_id: int, items: Sequence[ClaimedItem]) -> None:
    for item in items:
        try:
            session.add(parse(item, project_id))
        except BadItem as exc:
            item.decided(ItemOutcome.INVALID, f"{item.kind.value}: {exc}")


def of_project(
    session: Session, project_id: int, event_id: str | None, limit: int
) -> list[UserFeedback]:
    query = select(UserFeedback).where(UserFeedback.project_id == project_id)
    if event_id is not None:
        query = query.where(UserFeedback.event_id == event_id.replace("-", "").lower())
    return list(session.scalars(query.order_by(UserFeedback.id.desc()).limit(limit)))
