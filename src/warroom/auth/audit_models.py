"""The audit log's table: one row per person-made change of a row (see ``warroom.auth.audit``).

Append-only: nothing in warroom updates or deletes a row, and the database refuses to (the
triggers of migration 0010).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id", "id"),
        Index("ix_audit_log_actor", "actor", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    """The username; None for an operator at the shell (``actor_via`` ``cli``)."""
    actor_via: Mapped[str] = mapped_column(String(32))
    """``session``, ``token:<prefix>``, ``link``, ``slack`` or ``cli``."""
    address: Mapped[str | None] = mapped_column(String(255))
    """The client's IP address (``user@host`` for the CLI)."""
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    """The changed columns' old values (every column for a delete; None for a create)."""
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    """The changed columns' new values (every column for a create; None for a delete)."""
    request_id: Mapped[str | None] = mapped_column(String(128))
