"""Schedules over HTTP: who is on call, shifts, overrides, people and iCal feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.auth.permissions import Permission, Principal
from warroom.auth.signing import signing_key
from warroom.config import Config
from warroom.config.hours import format_window_time
from warroom.config.schedules import Layer, Schedule
from warroom.config.values import format_duration
from warroom.http.deps import (
    ConfigDep,
    ManagerDep,
    NowDep,
    PrincipalDep,
    SessionDep,
    UserDep,
    refuse,
)
from warroom.http.inputs import NO_NUL, Instant, RowId
from warroom.problems import InvalidInput, NotFound
from warroom.schedules import calendars, ical, overrides
from warroom.schedules.models import CalendarCache, ScheduleOverride
from warroom.schedules.schemas import (
    CalendarOut,
    FeedUrlOut,
    LayerOut,
    OnCallEntry,
    OnCallOut,
    OverrideCreate,
    OverrideOut,
    PersonOut,
    RestrictionOut,
    ScheduleDetail,
    ScheduleSummary,
    ShiftOut,
    ShiftsOut,
)
from warroom.schedules.service import on_call_until, shifts

router = APIRouter(prefix="/api/v1", tags=["schedules"])
# The feeds are links for calendar apps, authenticated by the signed token they carry (a bad
# one is a 404), not API endpoints: they stay out of the OpenAPI document, whose routes all
# need a bearer token (tests/api/test_auth_required.py). Their URLs come from the
# authenticated feed-url endpoints; tests/oncall/test_ical_feeds.py checks the tokens.
feeds = APIRouter(prefix="/ical", tags=["schedules"], include_in_schema=False)

MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=7)
CALENDAR_CHECK_AHEAD = timedelta(days=90)


def _schedule(config: Config, slug: str) -> Schedule:
    schedule = config.schedule(slug)
    if schedule is None:
        known = ", ".join(s.slug for s in config.schedules) or "none configured"
        raise NotFound(f"no schedule '{slug}' (known: {known})", field="schedule")
    return schedule


def _name(config: Config, username: str) -> str:
    person = config.person(username)
    return person.name if person is not None else username


def _on_call(session: Session, config: Config, schedule: Schedule, at: datetime) -> list[OnCallOut]:
    return [
        OnCallOut(username=username, name=_name(config, username), until=until)
        for username, until in on_call_until(session, config, schedule, at)
    ]


def _summary(
    session: Session, config: Config, schedule: Schedule, now: datetime
) -> ScheduleSummary:
    return ScheduleSummary(
        slug=schedule.slug,
        name=schedule.name,
        team=schedule.team,
        timezone=schedule.timezone,
        source="ical" if schedule.ical is not None else "layers",
        on_call=_on_call(session, config, schedule, now),
    )


def _layer_out(layer: Layer) -> LayerOut:
    shift = layer.shift if isinstance(layer.shift, str) else format_duration(layer.shift)
    return LayerOut(
        name=layer.name,
        participants=list(layer.participants),
        start=layer.start.isoformat(timespec="minutes"),
        shift=str(shift),
        restrictions=[
            RestrictionOut(
                days=[day.value for day in window.days],
                start=window.start.strftime("%H:%M"),
                end=format_window_time(window.end),
            )
            for window in layer.restrictions
        ],
        end=None if layer.end is None else layer.end.isoformat(timespec="minutes"),
    )


def _calendar_out(
    session: Session, config: Config, schedule: Schedule, now: datetime
) -> CalendarOut | None:
    if schedule.ical is None:
        return None
    cached = session.get(CalendarCache, schedule.slug)
    found = calendars.calendar_shifts(session, config, schedule, now, now + CALENDAR_CHECK_AHEAD)
    return CalendarOut(
        kind="url" if schedule.ical.url is not None else "file",
        refresh=format_duration(schedule.ical.refresh),
        fetched_at=cached.fetched_at if cached is not None and cached.content else None,
        last_attempt_at=None if cached is None else cached.last_attempt_at,
        last_error=None if cached is None else cached.last_error,
        unmatched_events=found.unmatched,
    )


def _range(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    start = start or now
    end = end or start + DEFAULT_RANGE
    if end <= start:
        raise InvalidInput("to must be after from", field="to")
    if end - start > MAX_RANGE:
        raise InvalidInput(f"the range is longer than {MAX_RANGE.days} days", field="to")
    return start, end


@router.get("/schedules", response_model=list[ScheduleSummary])
def list_schedules(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: UserDep,
    team: Annotated[str | None, Query(pattern=NO_NUL, max_length=64)] = None,
) -> list[ScheduleSummary]:
    chosen = config.schedules if team is None else config.schedules_of(team)
    return [_summary(session, config, schedule, now) for schedule in chosen]


@router.get("/schedules/{slug}", response_model=ScheduleDetail)
def get_schedule(
    slug: str, session: SessionDep, config: ConfigDep, now: NowDep, _user: UserDep
) -> ScheduleDetail:
    schedule = _schedule(config, slug)
    summary = _summary(session, config, schedule, now)
    return ScheduleDetail(
        **summary.model_dump(),
        layers=[_layer_out(layer) for layer in schedule.layers],
        calendar=_calendar_out(session, config, schedule, now),
    )


@router.get("/schedules/{slug}/shifts", response_model=ShiftsOut)
def get_shifts(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: UserDep,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Annotated[Instant | None, Query()] = None,
) -> ShiftsOut:
    schedule = _schedule(config, slug)
    start, end = _range(from_, to, now)
    unmatched = 0
    if schedule.ical is not None:
        unmatched = calendars.calendar_shifts(session, config, schedule, start, end).unmatched
    return ShiftsOut(
        schedule=schedule.slug,
        timezone=schedule.timezone,
        start=start,
        end=end,
        shifts=[
            ShiftOut(
                username=shift.username,
                name=_name(config, shift.username),
                start=shift.start,
                end=shift.end,
                layer=shift.layer,
                override_id=shift.override_id,
            )
            for shift in shifts(session, config, schedule, start, end)
        ],
        unmatched_events=unmatched,
    )


@router.get("/oncall", response_model=list[OnCallEntry])
def who_is_on_call(
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: UserDep,
    team: Annotated[str | None, Query(pattern=NO_NUL, max_length=64)] = None,
    at: Annotated[Instant | None, Query()] = None,
) -> list[OnCallEntry]:
    if team is not None and config.team(team) is None:
        raise InvalidInput(f"unknown team '{team}'", field="team")
    moment = at or now
    chosen = config.schedules if team is None else config.schedules_of(team)
    return [
        OnCallEntry(
            schedule=schedule.slug,
            schedule_name=schedule.name,
            team=schedule.team,
            timezone=schedule.timezone,
            at=moment,
            on_call=_on_call(session, config, schedule, moment),
        )
        for schedule in chosen
    ]


def _override_out(session: Session, override: ScheduleOverride) -> OverrideOut:
    creator = None
    if override.created_by_id is not None:
        user = session.get(User, override.created_by_id)
        creator = None if user is None else user.username
    return OverrideOut(
        id=override.id,
        schedule=override.schedule,
        user=override.username,
        replaces=override.replaces,
        start=override.starts_at,
        end=override.ends_at,
        reason=override.reason,
        created_at=override.created_at,
        created_by=creator,
        cancelled_at=override.cancelled_at,
    )


def _may_manage(caller: Principal, config: Config, slug: str) -> None:
    """403 unless the caller manages the schedule's team (admins manage every team; a
    schedule without a team is any team manager's). An unknown schedule is left to the
    service, which names it."""
    schedule = config.schedule(slug)
    if schedule is not None:
        refuse(caller, Permission.MANAGE_TEAM, schedule.team)


@router.post(
    "/schedules/{slug}/overrides",
    status_code=status.HTTP_201_CREATED,
    response_model=OverrideOut,
)
def create_override(
    slug: str,
    body: OverrideCreate,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    user: ManagerDep,
    caller: PrincipalDep,
) -> OverrideOut:
    _may_manage(caller, config, slug)
    override = overrides.create(
        session,
        config,
        schedule=slug,
        username=body.user,
        replaces=body.replaces,
        start=body.start,
        end=body.end,
        reason=body.reason,
        actor=user,
        now=now,
    )
    session.commit()
    return _override_out(session, override)


@router.get("/schedules/{slug}/overrides", response_model=list[OverrideOut])
def list_overrides(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    _user: UserDep,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Annotated[Instant | None, Query()] = None,
    cancelled: Annotated[bool, Query(description="include cancelled overrides")] = False,
) -> list[OverrideOut]:
    if from_ is not None and to is not None and to <= from_:
        raise InvalidInput("to must be after from", field="to")
    found = overrides.listed(session, config, slug, from_, to, include_cancelled=cancelled)
    return [_override_out(session, override) for override in found]


@router.delete("/schedules/{slug}/overrides/{override_id}", response_model=OverrideOut)
def cancel_override(
    slug: str,
    override_id: RowId,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: ManagerDep,
    caller: PrincipalDep,
) -> OverrideOut:
    _may_manage(caller, config, slug)
    override = overrides.cancel(session, config, slug, override_id, now)
    session.commit()
    return _override_out(session, override)


@router.get("/people", response_model=list[PersonOut])
def list_people(config: ConfigDep, _user: UserDep) -> list[PersonOut]:
    return [
        PersonOut(
            username=person.username,
            name=person.name,
            timezone=person.timezone,
            contacts=[contact.kind.value for contact in person.contacts],
        )
        for person in config.people
    ]


def _feed_key(request: Request, session: Session, now: datetime) -> bytes:
    key = signing_key(session, now, request.app.state.settings.secret_key)
    session.commit()  # the first use of the database's key creates it
    return key


@router.get("/schedules/{slug}/feed-url", response_model=FeedUrlOut)
def schedule_feed_url(
    slug: str, request: Request, session: SessionDep, config: ConfigDep, now: NowDep, _user: UserDep
) -> FeedUrlOut:
    schedule = _schedule(config, slug)
    key = _feed_key(request, session, now)
    return FeedUrlOut(
        url=ical.schedule_feed_url(request.app.state.settings.public_url, key, schedule.slug)
    )


@router.get("/people/{username}/feed-url", response_model=FeedUrlOut)
def person_feed_url(
    username: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    _user: UserDep,
) -> FeedUrlOut:
    if config.person(username) is None:
        raise NotFound(f"no person '{username}'", field="username")
    key = _feed_key(request, session, now)
    return FeedUrlOut(
        url=ical.person_feed_url(request.app.state.settings.public_url, key, username)
    )


CALENDAR_TYPE = "text/calendar; charset=utf-8"
FEED_NOT_FOUND = "no such feed (the link may be wrong or revoked)"


def _feed_data(request: Request, session: Session, token: str, now: datetime) -> dict[str, str]:
    try:
        data = ical.check_token(session, request.app.state.settings.secret_key, token, now)
    except ical.FeedNotFound as exc:
        raise NotFound(FEED_NOT_FOUND, field="token") from exc
    session.commit()
    return data


@feeds.get("/schedules/{slug}.ics", response_class=Response)
def schedule_feed(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    token: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    data = _feed_data(request, session, token, now)
    schedule = config.schedule(slug)
    if data.get("schedule") != slug or schedule is None:
        raise NotFound(FEED_NOT_FOUND, field="token")
    body = ical.schedule_feed(session, config, schedule, now)
    return Response(body, media_type=CALENDAR_TYPE)


@feeds.get("/people/{username}.ics", response_class=Response)
def person_feed(
    username: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    token: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    data = _feed_data(request, session, token, now)
    if data.get("person") != username or config.person(username) is None:
        raise NotFound(FEED_NOT_FOUND, field="token")
    body = ical.person_feed(session, config, username, now)
    return Response(body, media_type=CALENDAR_TYPE)
