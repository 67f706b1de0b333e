"""HTTP shapes: warroom's release API (``/api/v1``) and the bodies sentry-cli sends."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from warroom.errors.releases.gate import GateReason

# --- warroom's own API ------------------------------------------------------------------------


class StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReleaseIn(StrictIn):
    version: str = Field(description="The release name, e.g. 1.2.0 or api@1.2.0.")
    projects: list[str] = Field(min_length=1, description="Slugs of the projects it belongs to.")
    ref: str | None = None
    url: str | None = None
    commits: list[str] = Field(
        default_factory=list,
        description="Heads as REPO@SHA or REPO@FROM..TO, one per repository.",
    )


class FinalizeIn(StrictIn):
    released_at: datetime | None = Field(None, description="When it was released; default now.")


class DeployIn(StrictIn):
    environment: str
    name: str | None = None
    url: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = Field(None, description="When the deploy finished; default now.")
    projects: list[str] = Field(
        default_factory=list, description="Projects shipped; default every project of the release."
    )


class RepositoryIn(StrictIn):
    name: str
    url: str | None = None


class RepositoryOut(BaseModel):
    name: str
    url: str | None
    created_at: datetime


class DeployOut(BaseModel):
    id: int
    release: str
    environment: str
    name: str | None
    url: str | None
    started_at: datetime | None
    finished_at: datetime
    source: str
    projects: list[str]
    service_change_id: int | None


class CommitOut(BaseModel):
    repository: str
    id: str
    previous_id: str | None
    message: str | None
    author_name: str | None
    author_email: str | None
    committed_at: datetime | None


class ReleaseOut(BaseModel):
    version: str
    projects: list[str]
    ref: str | None
    url: str | None
    created_at: datetime
    date_started: datetime | None
    date_released: datetime | None
    finalized_at: datetime | None
    commit_count: int
    deploys: list[DeployOut]


class ReleaseDetailOut(ReleaseOut):
    commits: list[CommitOut]


class GateIssueOut(BaseModel):
    id: int
    short_id: str
    title: str
    culprit: str
    level: str
    reason: GateReason
    first_seen: datetime
    events: int


class GateOut(BaseModel):
    project: str
    release: str
    environment: str
    passed: bool
    release_known: bool
    issues: list[GateIssueOut]


# --- what sentry-cli sends (unknown fields are ignored, as sentry-cli adds some) ---------------


class SentryIn(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SentryRef(SentryIn):
    repository: str
    commit: str
    previous_commit: str | None = Field(None, alias="previousCommit")


class SentryCommit(SentryIn):
    id: str
    repository: str | None = None
    message: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    timestamp: datetime | None = None


class SentryReleaseUpdate(SentryIn):
    projects: list[str | int] | None = None
    ref: str | None = None
    url: str | None = None
    date_started: datetime | None = Field(None, alias="dateStarted")
    date_released: datetime | None = Field(None, alias="dateReleased")
    refs: list[SentryRef] | None = None
    commits: list[SentryCommit] | None = None


class SentryReleaseIn(SentryReleaseUpdate):
    version: str


class SentryDeployIn(SentryIn):
    environment: str
    name: str | None = None
    url: str | None = None
    date_started: datetime | None = Field(None, alias="dateStarted")
    date_finished: datetime | None = Field(None, alias="dateFinished")
    projects: list[str | int] | None = None
