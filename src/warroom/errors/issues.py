"""Events into issues, a batch at a time: find each event's issue by its grouping hashes
(or open one), record the events, and keep every count exact — events, distinct users, tag
values, releases and environments, events per minute — with a bounded set of sample bodies.

A batch's events of one issue are applied in order, so a regression is seen at the event
that brings it. The caller holds the transaction and commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.db.base import table_of
from warroom.db.bulk import bulk_insert
from warroom.db.upsert import upsert
from warroom.errors.events import PreparedEvent
from warroom.errors.models import (
    ErrorEvent,
    IgnoreMode,
    Issue,
    IssueHash,
    IssueMinute,
    IssueRelease,
    IssueStatus,
    IssueSubstatus,
    IssueTag,
    IssueUser,
    ResolveMode,
)
from warroom.ingest.sentry.models import ItemOutcome

SAMPLES_KEPT = 10
"""Full event bodies kept per issue besides its first event: the latest ones."""
PROJECT_LOCK_SPACE = 0x6572
"""PostgreSQL advisory-lock space of "a worker opens issues in this project"."""
NO_RELEASE = ""

ReleaseNewer = Callable[[str, str], bool]
"""``newer(a, b)``: whether release ``a`` comes after release ``b`` in the project."""


@dataclass
class IssueTouch:
    """What a batch did to one issue."""

    issue: Issue
    events: list[PreparedEvent] = field(default_factory=list)
    new: bool = False
    regressed: bool = False
    unignored: bool = False
    escalated: bool = False
    new_users: int = 0
    regressed_by: PreparedEvent | None = None

    @property
    def latest(self) -> PreparedEvent:
        return self.events[-1]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _drop_duplicates(
    session: Session, project_id: int, events: Sequence[PreparedEvent]
) -> list[PreparedEvent]:
    ids = [event.event_id for event in events]
    known = set(
        session.scalars(
            select(ErrorEvent.event_id).where(
                ErrorEvent.project_id == project_id, ErrorEvent.event_id.in_(ids)
            )
        )
    )
    fresh: list[PreparedEvent] = []
    for event in events:
        if event.event_id in known:
            event.item.decided(ItemOutcome.DUPLICATE, f"event {event.event_id} was seen before")
            continue
        known.add(event.event_id)
        fresh.append(event)
    return fresh


def _known_hashes(session: Session, project_id: int, hashes: set[str]) -> dict[str, int]:
    rows = session.execute(
        select(IssueHash.hash, IssueHash.issue_id).where(
            IssueHash.project_id == project_id, IssueHash.hash.in_(hashes)
        )
    )
    return {hash_: issue_id for hash_, issue_id in rows}


def _lock_project(session: Session, project_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :project)"),
            {"space": PROJECT_LOCK_SPACE, "project": project_id},
        )


def _open_issue(session: Session, project_id: int, event: PreparedEvent, number: int) -> Issue:
    description = event.description
    issue = Issue(
        project_id=project_id,
        short_number=number,
        primary_hash=event.hashes[0],
        title=description.title[:1024],
        culprit=(description.culprit or "")[:1024],
        type=description.type,
        event_metadata=dict(description.metadata),
        level=event.level,
        platform=str(event.event.get("platform") or "other")[:64],
        status=IssueStatus.UNRESOLVED,
        substatus=IssueSubstatus.NEW,
        first_seen=event.timestamp,
        last_seen=event.timestamp,
        times_seen=0,
        users_seen=0,
        first_release=event.release,
        last_release=event.release,
        routed_by={},
    )
    session.add(issue)
    return issue


def _assign(
    session: Session, project_id: int, events: Sequence[PreparedEvent]
) -> dict[int, IssueTouch]:
    """Each event's issue (opened where none of its hashes is known), touches by issue id."""
    hashes = {hash_ for event in events for hash_ in event.hashes}
    known = _known_hashes(session, project_id, hashes)
    if any(not any(h in known for h in event.hashes) for event in events):
        _lock_project(session, project_id)  # then look again: another worker may have opened it
        known = _known_hashes(session, project_id, hashes)
    ids = sorted(set(known.values()))
    query = select(Issue).where(Issue.id.in_(ids)).order_by(Issue.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    issues = {issue.id: issue for issue in session.scalars(query)}
    existing: dict[int, IssueTouch] = {}
    opened: dict[str, IssueTouch] = {}
    fresh: list[IssueTouch] = []
    next_number: int | None = None
    hash_owners: list[tuple[str, IssueTouch]] = []
    for event in events:
        issue_id = next((known[h] for h in event.hashes if h in known), None)
        if issue_id is not None:
            touch = existing.get(issue_id) or existing.setdefault(
                issue_id, IssueTouch(issues[issue_id])
            )
        else:
            touch_or_none = next((opened[h] for h in event.hashes if h in opened), None)
            if touch_or_none is None:
                if next_number is None:
                    highest = session.scalar(
                        select(func.max(Issue.short_number)).where(Issue.project_id == project_id)
                    )
                    next_number = (highest or 0) + 1
                issue = _open_issue(session, project_id, event, next_number)
                next_number += 1
                touch_or_none = IssueTouch(issue, new=True)
                fresh.append(touch_or_none)
            touch = touch_or_none
        for hash_ in event.hashes:
            if hash_ not in known and hash_ not in opened:
                opened[hash_] = touch
                hash_owners.append((hash_, touch))
        touch.events.append(event)
    if fresh:
        session.flush()  # once for every issue the batch opened: their ids
    if hash_owners:
        rows = [
            {"project_id": project_id, "hash": hash_, "issue_id": touch.issue.id}
            for hash_, touch in hash_owners
        ]
        session.execute(insert(table_of(IssueHash)), rows)
    touches = dict(existing)
    touches.update((touch.issue.id, touch) for touch in fresh)
    return touches


def _regresses(issue: Issue, event: PreparedEvent, newer: ReleaseNewer) -> bool:
    if issue.status is not IssueStatus.RESOLVED:
        return False
    if issue.resolution is ResolveMode.NEXT_RELEASE and issue.resolved_in_release is not None:
        return event.release is not None and newer(event.release, issue.resolved_in_release)
    if issue.resolution is ResolveMode.IN_RELEASE and issue.resolved_in_release is not None:
        # Resolved in X: events of releases before X are the old code; X or later regress.
        return event.release is not None and (
            event.release == issue.resolved_in_release
            or newer(event.release, issue.resolved_in_release)
        )
    resolved_at = issue.resolved_at
    return resolved_at is None or as_utc(event.received_at) >= as_utc(resolved_at)


def _unignores(issue: Issue, now: datetime) -> bool:
    """Whether an ignored issue's condition is met (the escalating one is judged by the
    rules stage, which knows the issue's baseline)."""
    if issue.status is not IssueStatus.IGNORED:
        return False
    mode = issue.ignore_mode
    if mode is IgnoreMode.FOR_TIME:
        return issue.ignore_until is not None and as_utc(now) >= as_utc(issue.ignore_until)
    baseline, count = issue.ignore_baseline or 0, issue.ignore_count
    if mode is IgnoreMode.UNTIL_EVENTS and count is not None:
        return issue.times_seen - baseline >= count
    if mode is IgnoreMode.UNTIL_USERS and count is not None:
        return issue.users_seen - baseline >= count
    return False


def reopen(issue: Issue, substatus: IssueSubstatus) -> None:
    issue.status, issue.substatus = IssueStatus.UNRESOLVED, substatus
    issue.resolution = issue.resolved_in_release = issue.resolved_at = None
    issue.ignore_mode = issue.ignore_until = issue.ignore_count = issue.ignore_baseline = None


@dataclass
class _Seen:
    """A batch's events of one issue in one release and environment."""

    first: datetime
    last: datetime
    count: int = 0
    regressed: bool = False


def _apply(touch: IssueTouch, newer: ReleaseNewer, now: datetime) -> list[dict[str, object]]:
    """Counts and state of the issue over its events, in order; the release rows to
    upsert. Users are counted by the caller (they need the database)."""
    issue = touch.issue
    seen: dict[tuple[str, str], _Seen] = {}
    for event in touch.events:
        regresses = _regresses(issue, event, newer)
        if regresses:
            reopen(issue, IssueSubstatus.REGRESSED)
            issue.regressed_at = now
            touch.regressed, touch.regressed_by = True, event
        issue.times_seen += 1
        if as_utc(event.timestamp) < as_utc(issue.first_seen):
            issue.first_seen = event.timestamp
        if as_utc(event.timestamp) >= as_utc(issue.last_seen):
            issue.last_seen, issue.level = event.timestamp, event.level
            issue.last_release = event.release or issue.last_release
        issue.first_release = issue.first_release or event.release
        key = (event.release or NO_RELEASE, event.environment[:64])
        row = seen.setdefault(key, _Seen(event.timestamp, event.timestamp))
        row.count += 1
        row.last = event.timestamp
        row.regressed = row.regressed or regresses
    if issue.substatus is IssueSubstatus.NEW and not touch.new:
        issue.substatus = IssueSubstatus.ONGOING
    return [
        {
            "issue_id": issue.id,
            "release": release,
            "environment": environment,
            "first_seen": row.first,
            "last_seen": row.last,
            "times_seen": row.count,
            "regressed": row.regressed,
        }
        for (release, environment), row in seen.items()
    ]


def _count_users(session: Session, touches: Sequence[IssueTouch]) -> None:
    wanted = {
        (touch.issue.id, event.user_key): event.timestamp
        for touch in touches
        for event in reversed(touch.events)
        if event.user_key is not None
    }
    if not wanted:
        return
    issue_ids = {issue_id for issue_id, _ in wanted}
    keys = {user for _, user in wanted}
    rows = session.execute(
        select(IssueUser.issue_id, IssueUser.user_key).where(
            IssueUser.issue_id.in_(issue_ids), IssueUser.user_key.in_(keys)
        )
    )
    seen = {(issue_id, user) for issue_id, user in rows}
    fresh = [
        {"issue_id": issue_id, "user_key": user, "first_seen": at}
        for (issue_id, user), at in wanted.items()
        if (issue_id, user) not in seen
    ]
    if fresh:
        session.execute(insert(table_of(IssueUser)), fresh)
    added = Counter(row["issue_id"] for row in fresh)
    for touch in touches:
        touch.new_users = added[touch.issue.id]
        touch.issue.users_seen += touch.new_users


def _events(touches: Sequence[IssueTouch], project_id: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for touch in touches:
        sampled = touch.events[-SAMPLES_KEPT:]
        keep = {id(event) for event in sampled}
        if touch.new:
            keep.add(id(touch.events[0]))
        for event in touch.events:
            rows.append(
                {
                    "project_id": project_id,
                    "event_id": event.event_id,
                    "issue_id": touch.issue.id,
                    "timestamp": event.timestamp,
                    "received_at": event.received_at,
                    "level": event.level[:16],
                    "release": event.release[:250] if event.release else None,
                    "environment": event.environment[:64],
                    "user_key": event.user_key,
                    "body": event.event if id(event) in keep else None,
                }
            )
    return rows


EVENT_COLUMNS = (
    "project_id",
    "event_id",
    "issue_id",
    "timestamp",
    "received_at",
    "level",
    "release",
    "environment",
    "user_key",
    "body",
)


def _insert_events(session: Session, rows: list[dict[str, object]]) -> None:
    """On SQLite through ``db.bulk`` (the driver's executemany; a Core insert spends more
    on building each row's parameters than SQLite on storing it); elsewhere a Core insert
    (a body that is None must stay SQL NULL, which the JSON-array statement would not keep)."""
    table = table_of(ErrorEvent)
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    bulk_insert(table, EVENT_COLUMNS, dialect).run(
        session.connection(), [tuple(row[name] for name in EVENT_COLUMNS) for row in rows]
    )


def _tags(touches: Sequence[IssueTouch]) -> list[dict[str, object]]:
    counts: Counter[tuple[int, str, str]] = Counter()
    first: dict[tuple[int, str, str], datetime] = {}
    last: dict[tuple[int, str, str], datetime] = {}
    for touch in touches:
        for event in touch.events:
            at = as_utc(event.timestamp)
            for key, value in event.tags:
                found = (touch.issue.id, key, value)
                counts[found] += 1
                first[found] = min(first.get(found, at), at)
                last[found] = max(last.get(found, at), at)
    return [
        {
            "issue_id": issue_id,
            "key": key,
            "value": value,
            "times_seen": count,
            "first_seen": first[(issue_id, key, value)],
            "last_seen": last[(issue_id, key, value)],
        }
        for (issue_id, key, value), count in counts.items()
    ]


def _minutes(touches: Sequence[IssueTouch]) -> list[dict[str, object]]:
    counts: Counter[tuple[int, datetime]] = Counter()
    for touch in touches:
        for event in touch.events:
            counts[(touch.issue.id, _minute(as_utc(event.received_at)))] += 1
    return [
        {"issue_id": issue_id, "minute": minute, "events": events}
        for (issue_id, minute), events in counts.items()
    ]


def _prune_samples(session: Session, touches: Sequence[IssueTouch]) -> None:
    """Bodies beyond the latest ``SAMPLES_KEPT`` of each issue go (the first event's stays)."""
    for touch in touches:
        issue_id = touch.issue.id
        kept = (
            select(ErrorEvent.id)
            .where(ErrorEvent.issue_id == issue_id, ErrorEvent.body.is_not(None))
            .order_by(ErrorEvent.id.desc())
            .limit(SAMPLES_KEPT)
        )
        first = select(func.min(ErrorEvent.id)).where(ErrorEvent.issue_id == issue_id)
        session.execute(
            update(ErrorEvent)
            .where(
                ErrorEvent.issue_id == issue_id,
                ErrorEvent.body.is_not(None),
                ErrorEvent.id.not_in(kept),
                ErrorEvent.id != first.scalar_subquery(),
            )
            .values(body=None)
            .execution_options(synchronize_session=False)
        )


def record_events(
    session: Session,
    project_id: int,
    events: Sequence[PreparedEvent],
    newer: ReleaseNewer,
    now: datetime,
) -> list[IssueTouch]:
    """Apply a batch of prepared events of one project; returns what it did per issue."""
    events = _drop_duplicates(session, project_id, events)
    if not events:
        return []
    touches = list(_assign(session, project_id, events).values())
    release_rows = [row for touch in touches for row in _apply(touch, newer, now)]
    _count_users(session, touches)
    for touch in touches:
        if _unignores(touch.issue, now):
            reopen(touch.issue, IssueSubstatus.ONGOING)
            touch.unignored = True
    _insert_events(session, _events(touches, project_id))
    upsert(
        session,
        table_of(IssueTag),
        _tags(touches),
        ("issue_id", "key", "value"),
        add=("times_seen",),
        least=("first_seen",),
        greatest=("last_seen",),
    )
    upsert(
        session,
        table_of(IssueRelease),
        release_rows,
        ("issue_id", "release", "environment"),
        add=("times_seen",),
        least=("first_seen",),
        greatest=("last_seen",),
    )
    regressed = [
        {"issue_id": row["issue_id"], "release": row["release"], "environment": row["environment"]}
        for row in release_rows
        if row["regressed"]
    ]
    for row in regressed:
        session.execute(
            update(IssueRelease)
            .where(
                IssueRelease.issue_id == row["issue_id"],
                IssueRelease.release == row["release"],
                IssueRelease.environment == row["environment"],
            )
            .values(regressed=True)
        )
    upsert(
        session, table_of(IssueMinute), _minutes(touches), ("issue_id", "minute"), add=("events",)
    )
    session.flush()
    # A new issue's bodies are all of this batch: only a longer batch has some to drop.
    _prune_samples(session, [t for t in touches if not t.new or len(t.events) > SAMPLES_KEPT])
    return touches


def events_within(session: Session, issue_id: int, since: datetime) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(IssueMinute.events), 0)).where(
            IssueMinute.issue_id == issue_id, IssueMinute.minute >= _minute(as_utc(since))
        )
    )
    return int(total or 0)


def users_within(session: Session, issue_id: int, since: datetime) -> int:
    total = session.scalar(
        select(func.count(func.distinct(ErrorEvent.user_key))).where(
            ErrorEvent.issue_id == issue_id,
            ErrorEvent.timestamp >= since,
            ErrorEvent.user_key.is_not(None),
        )
    )
    return int(total or 0)


def forget_minutes_before(session: Session, before: datetime) -> int:
    """Housekeeping: per-minute counts older than any window reads."""
    result = session.execute(delete(IssueMinute).where(IssueMinute.minute < before))
    return int(getattr(result, "rowcount", 0) or 0)
