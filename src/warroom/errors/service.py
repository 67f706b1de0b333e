"""Error issues for people: find, read, resolve, ignore, reopen; events by id.

Services take a session and plain values and never commit (the router or CLI does)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from warroom.config import Config
from warroom.config.projects import Project
from warroom.errors.issues import SAMPLES_KEPT, reopen
from warroom.errors.models import (
    ErrorEvent,
    IgnoreMode,
    Issue,
    IssueRelease,
    IssueStatus,
    IssueSubstatus,
    IssueTag,
    ResolveMode,
)
from warroom.errors.releases.service import newest_release
from warroom.problems import InvalidInput, NotFound

SHORT_ID = re.compile(r"^([a-z0-9][a-z0-9-]*)-(\d{1,9})$", re.IGNORECASE | re.ASCII)
TOP_TAG_VALUES = 10
ID_DIGITS = 9
"""An id or short number longer than this cannot exist (ids stay below 2^31)."""


def short_id(project: Project | None, issue: Issue) -> str:
    slug = project.slug if project is not None else str(issue.project_id)
    return f"{slug.upper()}-{issue.short_number}"


def get_issue(session: Session, config: Config, ref: str | int) -> Issue:
    """An issue by id (``17``) or short id (``API-3``); 404 naming the ref otherwise."""
    text = str(ref).strip()
    issue: Issue | None = None
    if text.isdecimal() and text.isascii():
        issue = session.get(Issue, int(text)) if len(text) <= ID_DIGITS else None
    else:
        found = SHORT_ID.match(text)
        project = config.project(found.group(1).lower()) if found else None
        if found and project is not None:
            issue = session.scalar(
                select(Issue).where(
                    Issue.project_id == project.id, Issue.short_number == int(found.group(2))
                )
            )
    if issue is None:
        raise NotFound(f"no error issue {text}", field="issue")
    return issue


class IssueSort(StrEnum):
    """Orders of an issue list, each from the largest (or latest) down."""

    LAST_SEEN = "last_seen"
    FIRST_SEEN = "first_seen"
    EVENTS = "events"
    USERS = "users"


_SORT_COLUMNS: dict[IssueSort, InstrumentedAttribute[Any]] = {
    IssueSort.LAST_SEEN: Issue.last_seen,
    IssueSort.FIRST_SEEN: Issue.first_seen,
    IssueSort.EVENTS: Issue.times_seen,
    IssueSort.USERS: Issue.users_seen,
}


@dataclass(frozen=True)
class IssueFilter:
    project_id: int | None = None
    statuses: Sequence[IssueStatus] = ()
    team: str | None = None
    query: str | None = None
    environment: str | None = None
    """Issues seen in this environment (with any release, unless ``release`` is given)."""
    release: str | None = None
    """Issues seen with this release."""
    sort: IssueSort = IssueSort.LAST_SEEN


def search(
    session: Session, flt: IssueFilter, *, limit: int, offset: int = 0
) -> tuple[list[Issue], int]:
    stmt = select(Issue)
    if flt.project_id is not None:
        stmt = stmt.where(Issue.project_id == flt.project_id)
    if flt.statuses:
        stmt = stmt.where(Issue.status.in_(flt.statuses))
    if flt.team is not None:
        stmt = stmt.where(Issue.team == flt.team)
    if flt.query:
        stmt = stmt.where(Issue.title.ilike(f"%{flt.query}%"))
    if flt.environment is not None or flt.release is not None:
        seen = select(IssueRelease.issue_id)
        if flt.environment is not None:
            seen = seen.where(IssueRelease.environment == flt.environment)
        if flt.release is not None:
            seen = seen.where(IssueRelease.release == flt.release)
        stmt = stmt.where(Issue.id.in_(seen))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = [_SORT_COLUMNS[flt.sort].desc(), Issue.last_seen.desc(), Issue.id.desc()]
    rows = session.scalars(stmt.order_by(*order).limit(limit).offset(offset))
    return list(rows), total


def seen_in(session: Session, project_id: int) -> tuple[list[str], list[str]]:
    """The releases and the environments the project's issues were seen in (sorted; events
    without a release are left out)."""
    rows = session.execute(
        select(IssueRelease.release, IssueRelease.environment)
        .join(Issue, Issue.id == IssueRelease.issue_id)
        .where(Issue.project_id == project_id)
        .distinct()
    ).all()
    releases = sorted({release for release, _env in rows if release})
    return releases, sorted({environment for _release, environment in rows})


def new_issue_counts(session: Session, project_id: int) -> dict[tuple[str, str], int]:
    """Per (release, environment): the issues whose first event came with that release (the
    issue's ``first_release``), counted in each environment the release saw them in."""
    rows = session.execute(
        select(IssueRelease.release, IssueRelease.environment, func.count())
        .join(Issue, Issue.id == IssueRelease.issue_id)
        .where(Issue.project_id == project_id, Issue.first_release == IssueRelease.release)
        .group_by(IssueRelease.release, IssueRelease.environment)
    )
    return {(release, environment): int(n) for release, environment, n in rows}


def current_release(session: Session, project_id: int) -> str | None:
    """The project's newest release (the "next release" of a resolve is any newer one)."""
    return newest_release(session, project_id)


def resolve(
    session: Session,
    issue: Issue,
    mode: ResolveMode,
    now: datetime,
    release: str | None = None,
) -> Issue:
    """Resolve now, in the next release (after the project's current one), or in release X."""
    if mode is ResolveMode.IN_RELEASE and not release:
        raise InvalidInput("resolving in a release needs the release", field="release")
    if mode is not ResolveMode.IN_RELEASE and release:
        raise InvalidInput("a release is given only with in_release", field="release")
    if mode is ResolveMode.NEXT_RELEASE:
        release = current_release(session, issue.project_id)
        if release is None:  # no release yet: the next release is any release at all
            mode = ResolveMode.NOW
    issue.status, issue.substatus = IssueStatus.RESOLVED, IssueSubstatus.RESOLVED
    issue.resolution, issue.resolved_in_release, issue.resolved_at = mode, release, now
    issue.ignore_mode = issue.ignore_until = issue.ignore_count = issue.ignore_baseline = None
    return issue


def ignore(
    session: Session,
    issue: Issue,
    mode: IgnoreMode,
    now: datetime,
    *,
    duration: timedelta | None = None,
    count: int | None = None,
) -> Issue:
    """Ignore forever, for a time, until N more events or N more users, or until it
    escalates."""
    if mode is IgnoreMode.FOR_TIME and duration is None:
        raise InvalidInput("ignoring for a time needs the duration", field="duration")
    counted = mode in (IgnoreMode.UNTIL_EVENTS, IgnoreMode.UNTIL_USERS)
    if counted and (count is None or count < 1):
        raise InvalidInput(f"ignoring {mode.value} needs a count of at least 1", field="count")
    issue.status = IssueStatus.IGNORED
    issue.substatus = {
        IgnoreMode.FOREVER: IssueSubstatus.FOREVER,
        IgnoreMode.UNTIL_ESCALATING: IssueSubstatus.UNTIL_ESCALATING,
    }.get(mode, IssueSubstatus.UNTIL_CONDITION)
    issue.resolution = issue.resolved_in_release = issue.resolved_at = None
    issue.ignore_mode = mode
    issue.ignore_until = now + duration if mode is IgnoreMode.FOR_TIME and duration else None
    issue.ignore_count = count if counted else None
    issue.ignore_baseline = (
        issue.times_seen
        if mode is IgnoreMode.UNTIL_EVENTS
        else issue.users_seen
        if mode is IgnoreMode.UNTIL_USERS
        else None
    )
    return issue


def unresolve(issue: Issue) -> Issue:
    reopen(issue, IssueSubstatus.ONGOING)
    return issue


def tag_values(session: Session, issue: Issue) -> dict[str, list[dict[str, Any]]]:
    """Per tag key, its most common values with their counts (exact)."""
    rows = session.execute(
        select(IssueTag.key, IssueTag.value, IssueTag.times_seen)
        .where(IssueTag.issue_id == issue.id)
        .order_by(IssueTag.key, IssueTag.times_seen.desc(), IssueTag.value)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for key, value, count in rows:
        values = found.setdefault(key, [])
        if len(values) < TOP_TAG_VALUES:
            values.append({"value": value, "count": count})
    return found


def releases(session: Session, issue: Issue) -> list[IssueRelease]:
    return list(
        session.scalars(
            select(IssueRelease)
            .where(IssueRelease.issue_id == issue.id)
            .order_by(IssueRelease.first_seen)
        )
    )


def latest_sample(session: Session, issue: Issue) -> ErrorEvent | None:
    return session.scalar(
        select(ErrorEvent)
        .where(ErrorEvent.issue_id == issue.id, ErrorEvent.body.is_not(None))
        .order_by(ErrorEvent.id.desc())
        .limit(1)
    )


def samples(session: Session, issue: Issue) -> list[ErrorEvent]:
    """The events whose full body is kept (the first and the latest ones), newest first,
    without their bodies."""
    return list(
        session.scalars(
            select(ErrorEvent)
            .options(defer(ErrorEvent.body))
            .where(ErrorEvent.issue_id == issue.id, ErrorEvent.body.is_not(None))
            .order_by(ErrorEvent.id.desc())
            .limit(SAMPLES_KEPT + 1)
        )
    )


def sample_of(session: Session, issue: Issue, event_id: str) -> ErrorEvent:
    """The kept event ``event_id`` of ``issue``; 404 when it is another issue's or only
    counted."""
    event = get_event(session, event_id)
    if event.issue_id != issue.id or event.body is None:
        raise NotFound(f"issue {issue.id} keeps no event {event_id}", field="event")
    return event


def events_of(session: Session, issue: Issue, limit: int) -> list[ErrorEvent]:
    return list(
        session.scalars(
            select(ErrorEvent)
            .where(ErrorEvent.issue_id == issue.id)
            .order_by(ErrorEvent.id.desc())
            .limit(limit)
        )
    )


def get_event(session: Session, event_id: str) -> ErrorEvent:
    text = event_id.replace("-", "").lower()
    event = session.scalar(select(ErrorEvent).where(ErrorEvent.event_id == text).limit(1))
    if event is None:
        raise NotFound(f"no stored event {event_id}", field="event_id")
    return event
