"""Release, deploy and commit tables.

A release is organisation-wide, as in Sentry: one version string, associated with one or more
projects (``ReleaseProject``, which also keeps when the project first saw the release). A
deploy puts a release into one environment for one or more projects; it comes from
sentry-cli, from ``warroom release deploy`` or from a PagerDuty change event.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db.base import Base
from warroom.db.types import str_enum

VERSION_LENGTH = 250
"""As ``error_issue_releases.release``: a release name an SDK sends fits both."""
ENVIRONMENT_LENGTH = 64
COMMIT_ID_LENGTH = 64
REPOSITORY_LENGTH = 200
URL_LENGTH = 1024
NAME_LENGTH = 255
MESSAGE_LENGTH = 4096


class DeploySource(StrEnum):
    """Where a deploy was recorded from."""

    API = "api"
    """sentry-cli or warroom's REST API (``warroom release deploy``)."""
    CHANGE_EVENT = "change_event"
    """A PagerDuty change event that named a release."""


class Release(Base):
    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(VERSION_LENGTH), unique=True)
    ref: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime]
    """When warroom first heard of the release (it is its first-seen time for ordering)."""
    date_started: Mapped[datetime | None]
    date_released: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    """When the release was finalized (``releases finalize``); None while it is open."""


class ReleaseProject(Base):
    """A project the release belongs to, and when that project first saw it."""

    __tablename__ = "release_projects"
    __table_args__ = (
        UniqueConstraint("release_id", "project_id", name="ux_release_projects"),
        Index("ix_release_projects_project", "project_id", "first_seen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    project_id: Mapped[int]
    first_seen: Mapped[datetime]


class Repository(Base):
    """A source repository commits are recorded against (sentry-cli matches names)."""

    __tablename__ = "release_repositories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(REPOSITORY_LENGTH), unique=True)
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime]


class ReleaseCommit(Base):
    """A commit of a release, or a head ref (``repo@sha``, ``repo@from..to``)."""

    __tablename__ = "release_commits"
    __table_args__ = (
        UniqueConstraint("release_id", "repository", "commit_id", name="ux_release_commits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    repository: Mapped[str] = mapped_column(String(REPOSITORY_LENGTH))
    commit_id: Mapped[str] = mapped_column(String(COMMIT_ID_LENGTH))
    previous_commit_id: Mapped[str | None] = mapped_column(String(COMMIT_ID_LENGTH))
    """For a head ref given as a range (``from..to``): where the range starts."""
    message: Mapped[str | None] = mapped_column(String(MESSAGE_LENGTH))
    author_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    author_email: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    committed_at: Mapped[datetime | None]
    position: Mapped[int]
    """Order as sent: 0 is the newest commit (the head)."""


class Deploy(Base):
    __tablename__ = "deploys"
    __table_args__ = (Index("ix_deploys_environment_finished", "environment", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    environment: Mapped[str] = mapped_column(String(ENVIRONMENT_LENGTH))
    name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime]
    """When the deploy was done: what deploy correlation measures from."""
    source: Mapped[DeploySource] = mapped_column(str_enum(DeploySource))
    service_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_changes.id"), unique=True
    )
    created_at: Mapped[datetime]


class DeployProject(Base):
    """A project a deploy shipped (every project of its release unless it named some)."""

    __tablename__ = "deploy_projects"
    __table_args__ = (
        UniqueConstraint("deploy_id", "project_id", name="ux_deploy_projects"),
        Index("ix_deploy_projects_project", "project_id", "deploy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deploy_id: Mapped[int] = mapped_column(ForeignKey("deploys.id"))
    project_id: Mapped[int]
