"""API shapes of postmortems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from warroom.incidents.schemas import SLUG, Person, Strict
from warroom.learn.postmortems.content import PostmortemContent

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class PostmortemSave(Strict):
    content: PostmortemContent
    title: str | None = Field(None, min_length=1, max_length=300)
    base_revision: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="The revision the edit started from; a newer one saved meanwhile gives 409.",
    )
    note: str = Field("", max_length=300, description="What changed, for the history.")


class ReviewerSet(Strict):
    username: str = Field(min_length=1, max_length=64)


class FactorCreate(Strict):
    category: str = Field(min_length=1, max_length=64, description="From the configured taxonomy.")
    description: str = Field(min_length=1, max_length=5000)
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    service: str | None = Field(None, pattern=SLUG, max_length=64)


class FactorOut(BaseModel):
    id: int
    category: str
    description: str
    tags: list[str]
    service: str | None
    created_at: datetime


class FactorCreated(FactorOut):
    recurs_in: list[str] = Field(
        description="Earlier incidents (refs) with the same factor in the recurrence window."
    )
    open_action_items: list[int] = Field(
        description="Open action items of those earlier occurrences: when any, the "
        "RecurringContributingFactor alert was raised."
    )


class LintWarning(BaseModel):
    section: str
    sentence: str
    person: str | None
    message: str


class PostmortemOut(BaseModel):
    incident: str
    title: str
    status: str
    revision: int
    required: bool
    reviewer: Person | None
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    waived_at: datetime | None
    waived_reason: str | None
    content: PostmortemContent
    factors: list[FactorOut]
    warnings: list[LintWarning] = Field(description="Blameless lint: advice, never a refusal.")


class RevisionOut(BaseModel):
    number: int
    title: str
    author: str | None
    at: datetime
    note: str


class RevisionDetail(RevisionOut):
    content: PostmortemContent


class DiffOut(BaseModel):
    from_revision: int
    to_revision: int
    diff: str = Field(description="Unified diff of the two revisions' Markdown documents.")


class SearchHit(BaseModel):
    incident: str
    title: str
    snippet: str
    rank: float


class SimilarOut(BaseModel):
    incident: str
    title: str
    status: str
    severity: str
    detected_at: datetime
    score: float
    reasons: list[str]
    postmortem_published: bool


class PostmortemSummary(BaseModel):
    incident: str
    title: str
    status: str
    severity: str
    team: str
    due_at: datetime | None
    published_at: datetime | None
    overdue: bool


class RecurringFactorOut(BaseModel):
    category: str
    service: str | None
    tags: list[str]
    incidents: list[str]
    action_items_done: int
    action_items_open: int
