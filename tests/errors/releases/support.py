"""Projects with releases, issue rows written directly (as the worker would), and servers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.alerts.support import config_doc
from tests.cli.harness import LiveServer, live_server
from tests.errors.support import PROJECT_ID, projects
from tests.support.api import Harness, running_app
from tests.support.clock import FakeClock

from warroom.db.engine import make_session_factory
from warroom.errors.models import (
    Issue,
    IssueRelease,
    IssueStatus,
    IssueSubstatus,
    ResolveMode,
)

API = PROJECT_ID
"""Project ``api`` (its service is payments-api); project ``web`` is id 7."""


def release_config(tmp_path: Path) -> Path:
    doc = config_doc()
    projects(doc)
    doc["projects"][0]["service"] = "payments-api"
    path = tmp_path / "warroom.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@contextmanager
def release_app(engine: Engine, tmp_path: Path) -> Iterator[Harness]:
    with running_app(engine, release_config(tmp_path), FakeClock()) as harness:
        yield harness


@contextmanager
def release_server(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(engine, config_path=release_config(tmp_path)) as server:
        yield server


def session_of(engine: Engine) -> Session:
    return make_session_factory(engine)()


def add_issue(
    session: Session,
    number: int,
    seen: list[tuple[str, str, datetime]],
    *,
    project_id: int = API,
    status: IssueStatus = IssueStatus.UNRESOLVED,
    title: str | None = None,
    regressed: set[tuple[str, str]] | None = None,
) -> Issue:
    """An issue seen in each (release, environment, first seen), as the worker records it."""
    first = min(moment for _r, _e, moment in seen)
    issue = Issue(
        project_id=project_id,
        short_number=number,
        primary_hash=f"{number:032x}",
        title=title or f"ValueError: broken {number}",
        culprit=f"app.views.handler_{number}",
        type="error",
        level="error",
        platform="python",
        status=status,
        substatus=(
            IssueSubstatus.NEW if status is IssueStatus.UNRESOLVED else IssueSubstatus.RESOLVED
        ),
        first_seen=first,
        last_seen=max(moment for _r, _e, moment in seen),
        times_seen=len(seen),
        first_release=seen[0][0],
        last_release=seen[-1][0],
    )
    session.add(issue)
    session.flush()
    for release, environment, moment in seen:
        session.add(
            IssueRelease(
                issue_id=issue.id,
                release=release,
                environment=environment,
                first_seen=moment,
                last_seen=moment,
                times_seen=1,
                regressed=(release, environment) in (regressed or set()),
            )
        )
    session.flush()
    return issue


def resolve(session: Session, issue_id: int, mode: ResolveMode, release: str | None) -> None:
    issue = session.get(Issue, issue_id)
    assert issue is not None
    issue.status = IssueStatus.RESOLVED
    issue.substatus = IssueSubstatus.RESOLVED
    issue.resolution = mode
    issue.resolved_in_release = release


def regress(session: Session, issue_id: int, release: str, environment: str, at: datetime) -> None:
    """What the worker does when an event of ``release`` reopens a resolved issue."""
    issue = session.get(Issue, issue_id)
    assert issue is not None
    issue.status = IssueStatus.UNRESOLVED
    issue.substatus = IssueSubstatus.REGRESSED
    issue.regressed_at = at
    row = session.scalar(
        select(IssueRelease).where(
            IssueRelease.issue_id == issue_id,
            IssueRelease.release == release,
            IssueRelease.environment == environment,
        )
    )
    if row is None:
        row = IssueRelease(
            issue_id=issue_id,
            release=release,
            environment=environment,
            first_seen=at,
            last_seen=at,
            times_seen=0,
        )
        session.add(row)
    row.times_seen += 1
    row.regressed = True
    session.flush()


def short_ids(gate: dict[str, Any]) -> list[str]:
    return [issue["short_id"] for issue in gate["issues"]]
