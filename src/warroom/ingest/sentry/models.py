"""Error items: what Sentry SDKs sent, durable before the SDK gets its 200. The worker turns
them into issues, events, sessions, check-ins and aggregates, and marks them processed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class ItemKind(StrEnum):
    """The envelope item types warroom keeps for its worker."""

    EVENT = "event"
    TRANSACTION = "transaction"
    ATTACHMENT = "attachment"
    SESSION = "session"
    SESSIONS = "sessions"
    CHECK_IN = "check_in"
    CLIENT_REPORT = "client_report"
    LOG = "log"
    USER_REPORT = "user_report"
    FEEDBACK = "feedback"


IDEMPOTENT_KINDS = (ItemKind.EVENT, ItemKind.TRANSACTION)
"""Kinds whose ``event_id`` makes a repeat a no-op (unique per project)."""


class ItemOutcome(StrEnum):
    ACCEPTED = "accepted"
    """Processed into what it says (an event into its issue, a session into release health)."""
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    """Its payload was not what its type needs: dropped, counted, the reason kept."""
    FAILED = "failed"


class ErrorItem(Base):
    __tablename__ = "error_items"
    __table_args__ = (
        Index("ix_error_items_pending", "processed_at", "project_id", "id"),
        Index(
            "ux_error_items_event",
            "project_id",
            "event_id",
            unique=True,
            sqlite_where=text("kind IN ('event', 'transaction')"),
            postgresql_where=text("kind IN ('event', 'transaction')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    public_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind))
    event_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime]
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The item's header, with what the envelope said of it (sent_at, sdk, trace, client)."""
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    processed_at: Mapped[datetime | None]
    outcome: Mapped[ItemOutcome | None] = mapped_column(str_enum(ItemOutcome))
    reason: Mapped[str | None] = mapped_column(String(255))
