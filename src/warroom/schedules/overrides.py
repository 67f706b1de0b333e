"""Schedule overrides: someone covers a schedule for a while, made at runtime.

An override without ``replaces`` puts its person on call for the whole window, gaps
included. With ``replaces`` it covers only the parts where that person would be on call (a
swap is two such overrides). Overrides win over layers and calendars; a later override wins
over an earlier one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.config.schedules import Schedule
from warroom.problems import InvalidInput, NotFound
from warroom.schedules.models import ScheduleOverride
from warroom.schedules.rotation import Piece, overlay

MAX_REASON = 2000


def active_overrides(
    session: Session, schedule: str, start: datetime, end: datetime
) -> list[ScheduleOverride]:
    """Overrides of ``schedule`` not cancelled and overlapping ``start``..``end``, oldest
    first."""
    return list(
        session.scalars(
            select(ScheduleOverride)
            .where(
                ScheduleOverride.schedule == schedule,
                ScheduleOverride.cancelled_at.is_(None),
                ScheduleOverride.starts_at < end,
                ScheduleOverride.ends_at > start,
            )
            .order_by(ScheduleOverride.id)
        )
    )


def apply_overrides(
    pieces: Sequence[Piece], overrides: Sequence[ScheduleOverride], start: datetime, end: datetime
) -> list[Piece]:
    result = list(pieces)
    for override in overrides:
        window_start = max(override.starts_at, start)
        window_end = min(override.ends_at, end)
        if window_start >= window_end:
            continue
        if override.replaces is None:
            cover = Piece(override.username, window_start, window_end, None, override.id)
            result = overlay(result, [cover])
        else:
            result = _replace_person(result, override, window_start, window_end)
    return result


def _replace_person(
    pieces: Sequence[Piece], override: ScheduleOverride, start: datetime, end: datetime
) -> list[Piece]:
    result: list[Piece] = []
    for piece in pieces:
        if piece.username != override.replaces or piece.end <= start or piece.start >= end:
            result.append(piece)
            continue
        if piece.start < start:
            result.append(replace(piece, end=start))
        result.append(
            Piece(
                override.username, max(piece.start, start), min(piece.end, end), None, override.id
            )
        )
        if piece.end > end:
            result.append(replace(piece, start=end))
    return sorted(result, key=lambda p: (p.start, p.end, p.username))


def _schedule(config: Config, slug: str) -> Schedule:
    schedule = config.schedule(slug)
    if schedule is None:
        raise NotFound(f"no schedule '{slug}'", field="schedule")
    return schedule


def check_person(config: Config, username: str, field: str) -> None:
    if config.person(username) is None:
        known = ", ".join(p.username for p in config.people) or "none configured"
        raise InvalidInput(f"unknown person '{username}' (known: {known})", field=field)


def create(
    session: Session,
    config: Config,
    *,
    schedule: str,
    username: str,
    replaces: str | None,
    start: datetime,
    end: datetime,
    reason: str,
    actor: User | None,
    now: datetime,
) -> ScheduleOverride:
    if config.schedule(schedule) is None:
        raise InvalidInput(f"unknown schedule '{schedule}'", field="schedule")
    check_person(config, username, "user")
    if replaces is not None:
        check_person(config, replaces, "replaces")
        if replaces == username:
            raise InvalidInput("a person cannot replace themselves", field="replaces")
    if start.tzinfo is None:
        raise InvalidInput("start needs a time zone, e.g. 2026-05-01T09:00Z", field="start")
    if end.tzinfo is None:
        raise InvalidInput("end needs a time zone, e.g. 2026-05-01T17:00Z", field="end")
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    if end <= now:
        raise InvalidInput(
            "end must be in the future: an override cannot change the past", field="end"
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason is longer than {MAX_REASON} characters", field="reason")
    override = ScheduleOverride(
        schedule=schedule,
        username=username,
        replaces=replaces,
        starts_at=start.astimezone(UTC),
        ends_at=end.astimezone(UTC),
        reason=reason,
        created_at=now,
        created_by_id=None if actor is None else actor.id,
    )
    session.add(override)
    session.flush()
    return override


def listed(
    session: Session,
    config: Config,
    schedule: str,
    start: datetime | None,
    end: datetime | None,
    *,
    include_cancelled: bool = False,
) -> list[ScheduleOverride]:
    _schedule(config, schedule)
    query = select(ScheduleOverride).where(ScheduleOverride.schedule == schedule)
    if start is not None:
        query = query.where(ScheduleOverride.ends_at > start)
    if end is not None:
        query = query.where(ScheduleOverride.starts_at < end)
    if not include_cancelled:
        query = query.where(ScheduleOverride.cancelled_at.is_(None))
    return list(session.scalars(query.order_by(ScheduleOverride.starts_at, ScheduleOverride.id)))


def cancel(
    session: Session, config: Config, schedule: str, override_id: int, now: datetime
) -> ScheduleOverride:
    _schedule(config, schedule)
    override = session.scalar(
        select(ScheduleOverride)
        .where(ScheduleOverride.id == override_id, ScheduleOverride.schedule == schedule)
        .with_for_update()
    )
    if override is None:
        raise NotFound(f"no override {override_id} of schedule '{schedule}'", field="id")
    if override.cancelled_at is None:
        override.cancelled_at = now
    return override
