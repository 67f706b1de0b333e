"""Escalation tables: runs of a policy for an incident, and the pages they sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum


class EscalationState(StrEnum):
    ACTIVE = "active"
    DEFERRED = "deferred"
    """Outside the severity's response window: waits for the window to open."""
    ACKNOWLEDGED = "acknowledged"
    STOPPED = "stopped"
    """The incident was mitigated or resolved, or the escalation was replaced."""
    EXHAUSTED = "exhausted"
    """Every step, repeat and the final fallback ran without an acknowledgement."""


class Escalation(Base):
    """One run of an escalation policy for an incident, with the policy as it was then.

    Jobs of the run carry its ``token``; a new run (reassign, re-trigger) or a stop changes
    the token, so the old run's pending jobs are dropped when they come due.
    """

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    policy: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[EscalationState] = mapped_column(str_enum(EscalationState))
    token: Mapped[str] = mapped_column(String(32))
    step: Mapped[int] = mapped_column(Integer, default=0)
    round: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    next_at: Mapped[datetime | None]


class PageStatus(StrEnum):
    PAGING = "paging"
    ACKNOWLEDGED = "acknowledged"
    CANCELLED = "cancelled"
    UNROUTABLE = "unroutable"
    """The person has no contact that warroom can use."""


class Page(Base):
    """A person paged for an incident by an escalation step."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[PageStatus] = mapped_column(str_enum(PageStatus))
    paged_at: Mapped[datetime]
