"""Release health: ``session`` and ``sessions`` items counted per project, release,
environment and minute, and the crash-free rates of a release.

A single session (``session`` item) is counted once, in the column of its latest status: an
update with ``init: true`` (or the first one seen of an unknown ``sid``) starts it; later
updates of the same ``sid`` move it — ``errors > 0`` or status ``errored`` to errored,
``crashed``, ``abnormal``, ``exited`` (without errors) to exited — and an ended session
(exited, crashed, abnormal) no longer changes. Sessions are bucketed by the minute they
started. Aggregates (``sessions`` items, sent by server SDKs) add their counts as they are.
Distinct users (``did``) are kept per release and environment with the time they last
crashed, so user counts are exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.db.base import table_of
from warroom.db.upsert import upsert
from warroom.errors.health_models import (
    ENVIRONMENT_LENGTH,
    ID_LENGTH,
    RELEASE_LENGTH,
    ReleaseSession,
    ReleaseUser,
    SessionCategory,
    SessionMinute,
)
from warroom.errors.items import ClaimedItem
from warroom.errors.payloads import BadItem, count, load_object, minute, optional_time, text
from warroom.ingest.sentry.models import ItemKind, ItemOutcome

DEFAULT_ENVIRONMENT = "production"
ENDING_STATUSES = ("exited", "crashed", "abnormal")
STATUSES = ("ok", "errored", *ENDING_STATUSES)
AGGREGATE_COLUMNS = ("exited", "errored", "abnormal", "crashed")
COLUMNS = ("started", "exited", "errored", "crashed", "abnormal")
COLUMN_OF = {
    SessionCategory.EXITED: "exited",
    SessionCategory.ERRORED: "errored",
    SessionCategory.CRASHED: "crashed",
    SessionCategory.ABNORMAL: "abnormal",
}


@dataclass(frozen=True)
class HealthKey:
    release: str
    environment: str


@dataclass(frozen=True)
class SessionUpdate:
    sid: str
    did: str | None
    init: bool
    started: datetime
    seen: datetime
    status: str
    errors: int
    key: HealthKey


@dataclass(frozen=True)
class Aggregate:
    started: datetime
    did: str | None
    counts: dict[str, int]
    key: HealthKey


@dataclass
class _Tally:
    """What a batch adds: counts per (key, minute, column), users seen and crashed."""

    minutes: Counter[tuple[HealthKey, datetime, str]] = field(default_factory=Counter)
    seen: dict[tuple[HealthKey, str], tuple[datetime, datetime]] = field(default_factory=dict)
    crashed: dict[tuple[HealthKey, str], datetime] = field(default_factory=dict)

    def user(self, key: HealthKey, did: str | None, at: datetime, crashed: bool) -> None:
        if did is None:
            return
        first, last = self.seen.get((key, did), (at, at))
        self.seen[(key, did)] = (min(first, at), max(last, at))
        if crashed:
            self.crashed[(key, did)] = max(at, self.crashed.get((key, did), at))


# --- parsing ----------------------------------------------------------------------------


def _key(attrs: object, item: ClaimedItem) -> HealthKey:
    if not isinstance(attrs, dict):
        raise BadItem("attrs is required (an object with release)")
    release = text(attrs.get("release"), "attrs.release", RELEASE_LENGTH, required=True)
    assert release is not None
    environment = text(attrs.get("environment"), "attrs.environment", ENVIRONMENT_LENGTH)
    return HealthKey(release, environment or DEFAULT_ENVIRONMENT)


def _did(value: object, field: str) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return text(value, field, ID_LENGTH)


def parse_update(item: ClaimedItem) -> SessionUpdate:
    body = load_object(item.payload, "session")
    sid = text(body.get("sid"), "sid", ID_LENGTH, required=True)
    assert sid is not None
    status = body.get("status", "ok")
    if status not in STATUSES:
        raise BadItem(f"status {str(status)[:20]!r} is not one of {', '.join(STATUSES)}")
    init = body.get("init", False)
    if not isinstance(init, bool):
        raise BadItem("init is not a boolean")
    started = optional_time(body.get("started"), "started") or item.received_at
    seen = optional_time(body.get("timestamp"), "timestamp") or started
    return SessionUpdate(
        sid=sid,
        did=_did(body.get("did"), "did"),
        init=init,
        started=started,
        seen=seen,
        status=status,
        errors=count(body.get("errors"), "errors"),
        key=_key(body.get("attrs"), item),
    )


def parse_aggregates(item: ClaimedItem) -> list[Aggregate]:
    body = load_object(item.payload, "sessions")
    key = _key(body.get("attrs"), item)
    entries = body.get("aggregates")
    if not isinstance(entries, list):
        raise BadItem("aggregates is required (a list)")
    found: list[Aggregate] = []
    for index, entry in enumerate(entries):
        where = f"aggregates[{index}]"
        if not isinstance(entry, dict):
            raise BadItem(f"{where} is not an object")
        started = optional_time(entry.get("started"), f"{where}.started")
        if started is None:
            raise BadItem(f"{where}.started is required")
        counts = {name: count(entry.get(name), f"{where}.{name}") for name in AGGREGATE_COLUMNS}
        found.append(Aggregate(started, _did(entry.get("did"), f"{where}.did"), counts, key))
    return found


# --- recording --------------------------------------------------------------------------


def _category(update: SessionUpdate, current: SessionCategory) -> SessionCategory:
    if update.status == "crashed":
        return SessionCategory.CRASHED
    if update.status == "abnormal":
        return SessionCategory.ABNORMAL
    if update.errors > 0 or update.status == "errored" or current is SessionCategory.ERRORED:
        return SessionCategory.ERRORED
    if update.status == "exited":
        return SessionCategory.EXITED
    return SessionCategory.RUNNING


def _known(session: Session, project_id: int, sids: Iterable[str]) -> dict[str, ReleaseSession]:
    query = select(ReleaseSession).where(
        ReleaseSession.project_id == project_id, ReleaseSession.sid.in_(set(sids))
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return {row.sid: row for row in session.scalars(query)}


def _apply(
    session: Session, project_id: int, updates: Sequence[SessionUpdate], tally: _Tally
) -> None:
    rows = _known(session, project_id, (u.sid for u in updates))
    for update in updates:
        row = rows.get(update.sid)
        if row is None:
            row = ReleaseSession(
                project_id=project_id,
                sid=update.sid,
                release=update.key.release,
                environment=update.key.environment,
                minute=minute(update.started),
                did=update.did,
                category=SessionCategory.RUNNING,
                ended=False,
                updated_at=update.seen,
            )
            session.add(row)
            rows[update.sid] = row
            tally.minutes[(update.key, row.minute, "started")] += 1
        elif row.ended:
            continue  # an ended session no longer changes
        key = HealthKey(row.release, row.environment)
        category = _category(update, row.category)
        if category is not row.category:
            if row.category in COLUMN_OF:
                tally.minutes[(key, row.minute, COLUMN_OF[row.category])] -= 1
            if category in COLUMN_OF:
                tally.minutes[(key, row.minute, COLUMN_OF[category])] += 1
            row.category = category
        row.ended = update.status in ENDING_STATUSES
        row.did = row.did or update.did
        row.updated_at = max(row.updated_at, update.seen)
        tally.user(key, row.did, update.seen, category is SessionCategory.CRASHED)


def _add_aggregates(aggregates: Sequence[Aggregate], tally: _Tally) -> None:
    for aggregate in aggregates:
        at = minute(aggregate.started)
        total = sum(aggregate.counts.values())
        tally.minutes[(aggregate.key, at, "started")] += total
        for name, number in aggregate.counts.items():
            tally.minutes[(aggregate.key, at, name)] += number
        crashed = aggregate.counts["crashed"] > 0
        tally.user(aggregate.key, aggregate.did, aggregate.started, crashed)


def _write(session: Session, project_id: int, tally: _Tally) -> None:
    minutes: dict[tuple[HealthKey, datetime], dict[str, Any]] = {}
    for (key, at, column), number in tally.minutes.items():
        row = minutes.setdefault(
            (key, at),
            {
                "project_id": project_id,
                "release": key.release,
                "environment": key.environment,
                "minute": at,
                **dict.fromkeys(COLUMNS, 0),
            },
        )
        row[column] += number
    keys = ("project_id", "release", "environment", "minute")
    ordered = [
        minutes[k] for k in sorted(minutes, key=lambda k: (k[0].release, k[0].environment, k[1]))
    ]
    upsert(session, table_of(SessionMinute), ordered, keys, add=COLUMNS)
    users = table_of(ReleaseUser)
    user_keys = ("project_id", "release", "environment", "did")

    def user_row(key: HealthKey, did: str) -> dict[str, Any]:
        return {
            "project_id": project_id,
            "release": key.release,
            "environment": key.environment,
            "did": did,
        }

    seen = [
        {**user_row(key, did), "first_seen": first, "last_seen": last, "crashed_at": None}
        for (key, did), (first, last) in sorted(
            tally.seen.items(), key=lambda kv: (kv[0][0].release, kv[0][0].environment, kv[0][1])
        )
    ]
    upsert(session, users, seen, user_keys, least=("first_seen",), greatest=("last_seen",))
    crashed = [
        {**user_row(key, did), "first_seen": at, "last_seen": at, "crashed_at": at}
        for (key, did), at in tally.crashed.items()
    ]
    upsert(session, users, crashed, user_keys, replace=("crashed_at",))


def record(session: Session, project_id: int, items: Sequence[ClaimedItem]) -> set[HealthKey]:
    """Count the batch's session items; returns the releases and environments touched.
    Items that are not sessions are marked invalid with the field at fault."""
    updates: list[SessionUpdate] = []
    aggregates: list[Aggregate] = []
    for item in items:
        try:
            if item.kind is ItemKind.SESSIONS:
                aggregates.extend(parse_aggregates(item))
            else:
                updates.append(parse_update(item))
        except BadItem as exc:
            item.decided(ItemOutcome.INVALID, f"{item.kind.value}: {exc}")
    tally = _Tally()
    if updates:
        _apply(session, project_id, updates, tally)
    _add_aggregates(aggregates, tally)
    _write(session, project_id, tally)
    return {key for key, _at, _column in tally.minutes} | {key for key, _did in tally.seen}


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    release: str
    environment: str
    started: int
    exited: int
    errored: int
    crashed: int
    abnormal: int
    users: int
    crashed_users: int

    @property
    def crash_free_sessions(self) -> float | None:
        return None if self.started == 0 else 1 - self.crashed / self.started

    @property
    def crash_free_users(self) -> float | None:
        return None if self.users == 0 else 1 - self.crashed_users / self.users


def health(
    session: Session,
    project_id: int,
    release: str | None = None,
    environment: str | None = None,
    since: datetime | None = None,
) -> list[Health]:
    """Totals per release and environment (filtered by the arguments given), sessions that
    started since ``since`` and users seen since then."""
    m = SessionMinute
    conditions = [m.project_id == project_id]
    if release is not None:
        conditions.append(m.release == release)
    if environment is not None:
        conditions.append(m.environment == environment)
    if since is not None:
        conditions.append(m.minute >= minute(since))
    sums = session.execute(
        select(m.release, m.environment, *(func.sum(getattr(m, c)) for c in COLUMNS))
        .where(*conditions)
        .group_by(m.release, m.environment)
    ).all()
    u = ReleaseUser
    user_filter = [u.project_id == project_id]
    if release is not None:
        user_filter.append(u.release == release)
    if environment is not None:
        user_filter.append(u.environment == environment)
    crashed_when: ColumnElement[bool] = u.crashed_at.is_not(None)
    if since is not None:
        user_filter.append(u.last_seen >= since)
        crashed_when = and_(crashed_when, u.crashed_at >= since)
    users = {
        (r, e): (total, int(crashed or 0))
        for r, e, total, crashed in session.execute(
            select(
                u.release,
                u.environment,
                func.count(),
                func.sum(case((crashed_when, 1), else_=0)),
            )
            .where(*user_filter)
            .group_by(u.release, u.environment)
        )
    }
    found = []
    for rel, env, *numbers in sums:
        total, crashed = users.get((rel, env), (0, 0))
        started, exited, errored, crashed_sessions, abnormal = (int(n or 0) for n in numbers)
        found.append(
            Health(rel, env, started, exited, errored, crashed_sessions, abnormal, total, crashed)
        )
    return sorted(found, key=lambda h: (h.release, h.environment))


def crash_free(
    session: Session,
    project_id: int,
    release: str,
    environment: str | None,
    since: datetime | None,
) -> tuple[float | None, float | None]:
    """(crash-free sessions rate, crash-free users rate) of a release, each in [0, 1]; None
    where nothing was counted. ``environment`` None: all environments together."""
    rows = health(session, project_id, release, environment, since)
    started = sum(r.started for r in rows)
    crashed = sum(r.crashed for r in rows)
    users = sum(r.users for r in rows)
    crashed_users = sum(r.crashed_users for r in rows)
    sessions_rate = None if started == 0 else 1 - crashed / started
    users_rate = None if users == 0 else 1 - crashed_users / users
    return sessions_rate, users_rate


def adoption(rows: Sequence[Health]) -> dict[HealthKey, float | None]:
    """Per release and environment: its share of the sessions started in that environment
    (in [0, 1]; None when the environment had none), from the rows of ``health``."""
    totals: Counter[str] = Counter()
    for row in rows:
        totals[row.environment] += row.started
    return {
        HealthKey(row.release, row.environment): (
            row.started / totals[row.environment] if totals[row.environment] else None
        )
        for row in rows
    }


@dataclass(frozen=True)
class HealthPoint:
    """Sessions of a release and environment that started in one step of a series."""

    release: str
    environment: str
    at: datetime
    started: int
    crashed: int

    @property
    def crash_free_sessions(self) -> float | None:
        return None if self.started == 0 else 1 - self.crashed / self.started


def series(
    session: Session,
    project_id: int,
    since: datetime,
    step: timedelta,
    release: str | None = None,
    environment: str | None = None,
) -> list[HealthPoint]:
    """Sessions started and crashed per release, environment and ``step`` (whole steps since
    the epoch, so steps line up across releases), from ``since``; oldest first."""
    m = SessionMinute
    conditions = [m.project_id == project_id, m.minute >= minute(since)]
    if release is not None:
        conditions.append(m.release == release)
    if environment is not None:
        conditions.append(m.environment == environment)
    width = int(step.total_seconds())
    sums: dict[tuple[str, str, int], list[int]] = {}
    for rel, env, at, started, crashed in session.execute(
        select(m.release, m.environment, m.minute, m.started, m.crashed).where(*conditions)
    ):
        seconds = int(as_utc(at).timestamp())
        bucket = sums.setdefault((rel, env, seconds - seconds % width), [0, 0])
        bucket[0] += int(started or 0)
        bucket[1] += int(crashed or 0)
    return [
        HealthPoint(rel, env, datetime.fromtimestamp(start, UTC), started, crashed)
        for (rel, env, start), (started, crashed) in sorted(
            sums.items(), key=lambda item: (item[0][2], item[0][0], item[0][1])
        )
    ]
