"""The plain typed commands the release services take (the HTTP schemas convert to them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class NewRelease:
    version: str
    project_ids: Sequence[int] = ()
    ref: str | None = None
    url: str | None = None
    date_started: datetime | None = None
    date_released: datetime | None = None


@dataclass(frozen=True)
class CommitRef:
    """A release's head in one repository: ``repo@sha`` or ``repo@from..to``."""

    repository: str
    commit: str
    previous_commit: str | None = None


@dataclass(frozen=True)
class CommitData:
    """One commit as sentry-cli reads it from the local git history."""

    repository: str
    commit: str
    message: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    committed_at: datetime | None = None


@dataclass(frozen=True)
class NewDeploy:
    environment: str
    name: str | None = None
    url: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    project_ids: Sequence[int] = field(default=())
    """Empty: every project of the release."""
