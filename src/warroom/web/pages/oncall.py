"""On call: who is on call now per team, each schedule's calendar (week and month) with its
layers and overrides, overrides made by selecting a range of the week, the signed-in
person's iCal link, and the escalation policies as steps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from warroom.auth.permissions import Permission, Principal
from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.schedules import Schedule
from warroom.http.deps import ConfigDep, NowDep, SessionDep, refuse
from warroom.http.inputs import MAX_INT
from warroom.problems import InvalidInput, NotFound
from warroom.schedules import ical, overrides
from warroom.schedules.rotation import localize
from warroom.schedules.schemas import OverrideCreate
from warroom.web import access
from warroom.web.forms import validated
from warroom.web.pages import oncall_views as views
from warroom.web.routing import PageRoute
from warroom.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

View = Literal["week", "month"]
FURTHEST = timedelta(days=3660)
"""How far from today a calendar may be shown (ten years each way)."""


def _schedule(config: Config, slug: str) -> Schedule:
    schedule = config.schedule(slug)
    if schedule is None:
        known = ", ".join(s.slug for s in config.schedules) or "none configured"
        raise NotFound(f"no schedule '{slug}' (known: {known})", field="schedule")
    return schedule


def _viewer_zone(config: Config, caller: Principal) -> str | None:
    person = config.person(caller.user.username)
    return person.timezone if person is not None else None


def _schedule_url(slug: str, view: str, day: date, anchor: str = "") -> str:
    return f"/oncall/schedules/{slug}?view={view}&date={day.isoformat()}{anchor}"


@router.get("/oncall")
def on_call_now(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
) -> Response:
    people = views.People(config)
    username = caller.user.username
    feed_url = None
    if config.person(username) is not None:
        key = access.web_key(request, session, now)
        feed_url = ical.person_feed_url(request.app.state.settings.public_url, key, username)
    return render(
        request,
        "oncall/now.html",
        {
            "now": now,
            "teams": views.teams_now(session, config, people, now),
            "feed_url": feed_url,
            "username": username,
            "schedules": config.schedules,
            "at": views.at,
        },
    )


@router.get("/oncall/policies")
def policies(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
) -> Response:
    return render(
        request,
        "oncall/policies.html",
        {
            "policies": views.policy_views(session, config, views.People(config), now),
            "schedules": config.schedules,
            "offset_text": views.offset_text,
        },
    )


@router.get("/oncall/schedules/{slug}")
def schedule_page(
    slug: str,
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ReaderPage,
    view: Annotated[View, Query()] = "week",
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    schedule = _schedule(config, slug)
    zone = schedule.zone
    today = views.today_in(zone, now)
    anchor = day or today
    if abs(anchor - today) > FURTHEST:
        raise InvalidInput("date must be within ten years of today", field="date")
    span = views.window(view, anchor, zone)
    people = views.People(config)
    found = views.sources(session, config, people, schedule, span)
    viewer_zone = _viewer_zone(config, caller)
    key = access.web_key(request, session, now)
    return render(
        request,
        "oncall/schedule.html",
        {
            "schedule": schedule,
            "span": span,
            "today": today,
            "now": now,
            "days": views.week_days(found, span, now) if view == "week" else [],
            "weeks": views.month_weeks(found, span, now) if view == "month" else [],
            "shifts": views.shift_lines(found, zone, viewer_zone),
            "overrides": views.override_lines(
                people, overrides.listed(session, config, slug, span.start, span.end)
            ),
            "layers": [(layer, views.layer_rule(layer)) for layer in schedule.layers],
            "people": [people(p.username) for p in config.people],
            "viewer_zone": viewer_zone,
            "offset_note": views.offset_note(zone, viewer_zone, max(now, span.start)),
            "can_manage": caller.may(Permission.MANAGE_TEAM, schedule.team),
            "feed_url": ical.schedule_feed_url(
                request.app.state.settings.public_url, key, schedule.slug
            ),
            "schedules": config.schedules,
            "at": views.at,
            "url": lambda view, day: _schedule_url(slug, view, day),
        },
    )


def _instant(value: str, zone: ZoneInfo, field: str) -> datetime | None:
    """A form's date and time: local to the schedule unless it carries an offset."""
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: give a date and time like 2026-03-03T09:00 ({zone.key} time)",
            field=field,
        ) from None
    return localize(parsed, zone) if parsed.tzinfo is None else parsed


@router.post("/oncall/schedules/{slug}/overrides")
def create_override(
    slug: str,
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ManagerAction,
    user: Annotated[str, Form(max_length=64)] = "",
    replaces: Annotated[str, Form(max_length=64)] = "",
    start: Annotated[str, Form(max_length=64)] = "",
    end: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    schedule = _schedule(config, slug)
    refuse(caller, Permission.MANAGE_TEAM, schedule.team)
    body = validated(
        OverrideCreate,
        user=user,
        replaces=replaces or None,
        start=_instant(start, schedule.zone, "start"),
        end=_instant(end, schedule.zone, "end"),
        reason=reason,
    )
    override = overrides.create(
        session,
        config,
        schedule=slug,
        username=body.user,
        replaces=body.replaces,
        start=body.start,
        end=body.end,
        reason=body.reason,
        actor=caller.user,
        now=now,
    )
    session.commit()
    shown = as_utc(override.starts_at).astimezone(schedule.zone).date()
    return RedirectResponse(_schedule_url(slug, "week", shown, "#overrides"), status_code=303)


@router.post("/oncall/schedules/{slug}/overrides/{override_id}/delete")
def delete_override(
    slug: str,
    override_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    session: SessionDep,
    config: ConfigDep,
    now: NowDep,
    caller: access.ManagerAction,
    view: Annotated[View, Form()] = "week",
    day: Annotated[date | None, Form(alias="date")] = None,
) -> Response:
    schedule = _schedule(config, slug)
    refuse(caller, Permission.MANAGE_TEAM, schedule.team)
    override = overrides.cancel(session, config, slug, override_id, now)
    session.commit()
    shown = day or as_utc(override.starts_at).astimezone(schedule.zone).date()
    return RedirectResponse(_schedule_url(slug, view, shown, "#overrides"), status_code=303)
