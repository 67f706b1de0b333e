"""Postmortems, their revisions and their contributing factors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warroom.auth.models import User
from warroom.db.base import Base
from warroom.db.types import str_enum


class PostmortemStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Postmortem(Base):
    """One per incident. The content is structured (``content``, see
    ``learn.postmortems.content``); every save adds a ``PostmortemRevision``."""

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[PostmortemStatus] = mapped_column(str_enum(PostmortemStatus), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer)
    """The number of the latest revision (1 is the generated draft)."""
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None]
    """When the policy wants it published by (None: no policy deadline)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    search_text: Mapped[str] = mapped_column(Text, default="")
    """The published document as plain text: what the full-text search indexes."""
    waived_at: Mapped[datetime | None]
    """An admin let the incident close without a published postmortem."""
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    waived_reason: Mapped[str | None] = mapped_column(Text)

    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    factors: Mapped[list[ContributingFactor]] = relationship(
        back_populates="postmortem",
        order_by="ContributingFactor.id",
        cascade="all, delete-orphan",
    )


class PostmortemRevision(Base):
    """A saved version: the whole content as it was, who saved it and when."""

    __tablename__ = "postmortem_revisions"
    __table_args__ = (UniqueConstraint("postmortem_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(String(300), default="")

    author: Mapped[User | None] = relationship(lazy="joined")


class ContributingFactor(Base):
    """Why it happened, one factor: a category from the configured taxonomy, free tags and
    the service it lives in. Recurring factors across incidents are found by these."""

    __tablename__ = "contributing_factors"
    __table_args__ = (Index("ix_contributing_factors_category", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(
        ForeignKey("postmortems.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    service: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    postmortem: Mapped[Postmortem] = relationship(back_populates="factors")
