"""Incident tables: the incident, its services, roles, participants, timeline, updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.auth.models import User
from warroom.db.base import Base
from warroom.db.types import str_enum
from warroom.incidents.enums import (
    Audience,
    DetectionSource,
    IncidentRole,
    IncidentStatus,
    TimelineKind,
)


class Counter(Base):
    """Named monotonically increasing counters (human incident numbers)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[IncidentStatus] = mapped_column(str_enum(IncidentStatus), index=True)
    team: Mapped[str] = mapped_column(String(64), index=True)

    impact_started_at: Mapped[datetime]
    detected_at: Mapped[datetime] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    declared_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_update_at: Mapped[datetime | None]
    next_update_due_at: Mapped[datetime | None]
    last_public_update_at: Mapped[datetime | None]
    public_title: Mapped[str | None] = mapped_column(String(200))
    """The incident's name on status pages (the comms lead's, with a public update); the
    title stays internal."""

    affected_users: Mapped[int | None]
    affected_customers: Mapped[int | None]
    affected_features: Mapped[list[str]] = mapped_column(JSON, default=list)
    affected_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    revenue_impact: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_count: Mapped[int] = mapped_column(default=0, server_default="0")
    """Alerts attached to the incident, kept as they attach (a storm's incident has
    thousands: notifications show a few and say how many more)."""

    detection_source: Mapped[DetectionSource] = mapped_column(
        str_enum(DetectionSource), default=DetectionSource.PERSON, server_default="person"
    )
    """What first found it (insights' detection review)."""
    drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A rehearsal (game day): insights leave drills out unless asked."""

    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    services: Mapped[list[IncidentService]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentService.service", lazy="selectin"
    )
    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        cascade="all, delete-orphan", order_by="RoleAssignment.id", lazy="selectin"
    )
    participants: Mapped[list[Participant]] = relationship(
        cascade="all, delete-orphan", order_by="Participant.id", lazy="selectin"
    )
    declared_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"

    @property
    def service_slugs(self) -> list[str]:
        return [s.service for s in self.services]


class IncidentService(Base):
    __tablename__ = "incident_services"
    __table_args__ = (UniqueConstraint("incident_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(64), index=True)


class RoleAssignment(Base):
    """Who held which role when; the open row (released_at is NULL) is the current holder."""

    __tablename__ = "incident_role_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[IncidentRole] = mapped_column(str_enum(IncidentRole))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class Participant(Base):
    __tablename__ = "incident_participants"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class TimelineEntry(Base):
    __tablename__ = "incident_timeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    kind: Mapped[TimelineKind] = mapped_column(str_enum(TimelineKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    actor: Mapped[User | None] = relationship(lazy="joined")


class StatusUpdate(Base):
    __tablename__ = "incident_status_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    status: Mapped[IncidentStatus] = mapped_column(str_enum(IncidentStatus))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(lazy="joined")
