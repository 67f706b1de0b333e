"""What the on-call pages show, built from the schedules and escalation domains: who is on
call now per team, a schedule's week (hour cells per day for the final schedule, each layer
and the overrides) and month, and escalation policies as steps.

Times are shown in the schedule's zone; the UTC instants stay beside them (``<time>``) so the
browser can show the viewer's own zone too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.config import Config
from warroom.config.escalation import EscalationPolicy
from warroom.config.hours import format_window_time
from warroom.config.models import Contact, ContactKind, Team
from warroom.config.people import PersonContactKind
from warroom.config.schedules import Layer, Schedule
from warroom.config.values import format_duration
from warroom.schedules import calendars, overrides
from warroom.schedules.models import ScheduleOverride
from warroom.schedules.rotation import layer_pieces, localize
from warroom.schedules.service import LOOKAHEAD, on_call_until, shifts

COLOURS = 8
"""Person colours in the calendars (``p0`` … ``p7`` in app.css)."""
HOURS = 24
DASH = "\N{EN DASH}"


# --- people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactView:
    kind: str
    label: str
    href: str | None = None


@dataclass(frozen=True)
class PersonView:
    username: str
    name: str
    colour: int
    contacts: tuple[ContactView, ...] = ()

    @property
    def short(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.username


def _person_contacts(config: Config, username: str) -> tuple[ContactView, ...]:
    person = config.person(username)
    if person is None:
        return ()
    found: list[ContactView] = []
    for contact in person.contacts:
        if contact.kind is PersonContactKind.EMAIL:
            found.append(ContactView("email", contact.target, f"mailto:{contact.target}"))
        elif contact.kind is PersonContactKind.SLACK:
            link = f"https://slack.com/app_redirect?channel={contact.target}"
            found.append(ContactView("Slack", contact.target, link))
        else:  # a webhook URL may carry a gateway's secret: name the kind only
            found.append(ContactView("webhook", "SMS/push gateway"))
    return tuple(found)


def team_contacts(contacts: Sequence[Contact]) -> list[ContactView]:
    found: list[ContactView] = []
    for contact in contacts:
        if contact.kind is ContactKind.EMAIL:
            found.append(ContactView("email", contact.target, f"mailto:{contact.target}"))
        elif contact.kind is ContactKind.SLACK_CHANNEL:
            found.append(ContactView("Slack", contact.target))
        elif contact.kind is ContactKind.PHONE:
            number = "".join(ch for ch in contact.target if ch.isdigit() or ch == "+")
            found.append(ContactView("phone", contact.target, f"tel:{number}"))
        else:
            found.append(ContactView("webhook", "webhook"))
    return found


class People:
    """Configured people as shown on the pages, each with a stable colour."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._index = {person.username: i for i, person in enumerate(config.people)}
        self._seen: dict[str, PersonView] = {}

    def __call__(self, username: str) -> PersonView:
        found = self._seen.get(username)
        if found is None:
            person = self._config.person(username)
            found = PersonView(
                username=username,
                name=person.name if person is not None else username,
                colour=self._index.get(username, len(self._index)) % COLOURS,
                contacts=_person_contacts(self._config, username),
            )
            self._seen[username] = found
        return found


# --- formatting ----------------------------------------------------------------------------


def at(value: datetime | None, zone: str | ZoneInfo, *, year: bool = False) -> str:
    """``Mon 2 Mar 10:00`` on the clocks of ``zone``."""
    if value is None:
        return "—"
    local = as_utc(value).astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    text = f"{local:%a} {local.day} {local:%b}"
    return f"{text} {local.year} {local:%H:%M}" if year else f"{text} {local:%H:%M}"


def offset_note(schedule_zone: ZoneInfo, viewer_zone: str | None, moment: datetime) -> str:
    """How the viewer's zone (from their person in the configuration) differs from the
    schedule's at ``moment``."""
    if viewer_zone is None:
        return ""
    viewer = ZoneInfo(viewer_zone)
    here = moment.astimezone(schedule_zone).utcoffset() or timedelta(0)
    there = moment.astimezone(viewer).utcoffset() or timedelta(0)
    minutes = int((there - here).total_seconds() // 60)
    if minutes == 0:
        return f"Your time zone, {viewer_zone}, shows the same time."
    hours, rest = divmod(abs(minutes), 60)
    amount = f"{hours} hour{'s' if hours != 1 else ''}" if hours else ""
    if rest:
        amount = f"{amount} {rest} minutes".strip()
    direction = "ahead of" if minutes > 0 else "behind"
    return f"Your time zone, {viewer_zone}, is {amount} {direction} it."


# --- on call now ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OnCallNow:
    person: PersonView
    until: datetime | None
    """None: on call for the whole lookahead (35 days)."""


@dataclass(frozen=True)
class NextShift:
    person: PersonView
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ScheduleNow:
    schedule: Schedule
    on_call: list[OnCallNow]
    next: NextShift | None


@dataclass(frozen=True)
class TeamNow:
    slug: str
    name: str
    timezone: str
    contacts: list[ContactView]
    policy: EscalationPolicy | None
    schedules: list[ScheduleNow]


def schedule_now(
    session: Session, config: Config, people: People, schedule: Schedule, now: datetime
) -> ScheduleNow:
    """Who is on call in ``schedule`` now and until when, and the next shift after theirs."""
    current = on_call_until(session, config, schedule, now)
    on_call = [OnCallNow(people(username), until) for username, until in current]
    if any(until is None for _username, until in current):
        return ScheduleNow(schedule, on_call, None)
    boundary = min((until for _u, until in current if until is not None), default=now)
    upcoming = next(
        (s for s in shifts(session, config, schedule, now, now + LOOKAHEAD) if s.start >= boundary),
        None,
    )
    following = (
        None
        if upcoming is None
        else NextShift(people(upcoming.username), upcoming.start, upcoming.end)
    )
    return ScheduleNow(schedule, on_call, following)


def teams_now(session: Session, config: Config, people: People, now: datetime) -> list[TeamNow]:
    """Every team with its schedules; schedules of no (known) team come last as one group."""
    found = [
        TeamNow(
            slug=team.slug,
            name=team.name,
            timezone=team.timezone,
            contacts=team_contacts(team.contacts),
            policy=config.escalation_policy(team.escalation_policy)
            if team.escalation_policy
            else None,
            schedules=[
                schedule_now(session, config, people, schedule, now)
                for schedule in config.schedules_of(team.slug)
            ],
        )
        for team in config.teams
    ]
    orphans = [s for s in config.schedules if s.team is None or config.team(s.team) is None]
    if orphans:
        found.append(
            TeamNow(
                slug="",
                name="Schedules of no team",
                timezone="UTC",
                contacts=[],
                policy=None,
                schedules=[schedule_now(session, config, people, s, now) for s in orphans],
            )
        )
    return found


# --- calendars -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Someone on call from ``start`` to ``end`` (UTC), and where it comes from."""

    person: PersonView
    start: datetime
    end: datetime
    source: str
    """The layer's name, ``override #N`` or ``calendar``."""
    override_id: int | None = None
    replaces: PersonView | None = None

    @property
    def key(self) -> tuple[str, str, int | None]:
        return (self.person.username, self.source, self.override_id)


@dataclass(frozen=True)
class Window:
    """The days a calendar shows, in the schedule's zone, and where prev/next lead."""

    view: str
    anchor: date
    first: date
    last: date
    """Inclusive."""
    previous: date
    following: date
    title: str
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return localize(datetime.combine(self.first, time()), self.zone)

    @property
    def end(self) -> datetime:
        return localize(datetime.combine(self.last + timedelta(days=1), time()), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def window(view: str, anchor: date, zone: ZoneInfo) -> Window:
    if view == "month":
        first_of_month = anchor.replace(day=1)
        following = (first_of_month + timedelta(days=32)).replace(day=1)
        last_of_month = following - timedelta(days=1)
        return Window(
            view="month",
            anchor=anchor,
            first=first_of_month - timedelta(days=first_of_month.weekday()),
            last=last_of_month + timedelta(days=6 - last_of_month.weekday()),
            previous=(first_of_month - timedelta(days=1)).replace(day=1),
            following=following,
            title=f"{first_of_month:%B %Y}",
            zone=zone,
        )
    monday = anchor - timedelta(days=anchor.weekday())
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        title = f"{monday.day}{DASH}{sunday.day} {sunday:%B %Y}"
    elif monday.year == sunday.year:
        title = f"{monday.day} {monday:%B} {DASH} {sunday.day} {sunday:%B %Y}"
    else:
        title = f"{monday.day} {monday:%B %Y} {DASH} {sunday.day} {sunday:%B %Y}"
    return Window(
        view="week",
        anchor=anchor,
        first=monday,
        last=sunday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        title=f"Week of {title}",
        zone=zone,
    )


@dataclass(frozen=True)
class Sources:
    """Everything one calendar window shows: the final schedule, each layer (or the external
    calendar), and the overrides."""

    final: list[Span]
    layers: list[tuple[str, list[Span]]]
    overrides: list[Span]


def _override_span(
    people: People, override: ScheduleOverride, start: datetime, end: datetime
) -> Span:
    return Span(
        person=people(override.username),
        start=max(as_utc(override.starts_at), start),
        end=min(as_utc(override.ends_at), end),
        source=f"override #{override.id}",
        override_id=override.id,
        replaces=people(override.replaces) if override.replaces else None,
    )


def sources(
    session: Session, config: Config, people: People, schedule: Schedule, span: Window
) -> Sources:
    start, end = span.start, span.end
    final = [
        Span(
            people(s.username),
            s.start,
            s.end,
            f"override #{s.override_id}" if s.override_id else s.layer or "calendar",
            s.override_id,
        )
        for s in shifts(session, config, schedule, start, end)
    ]
    rows: list[tuple[str, list[Span]]] = []
    if schedule.ical is not None:
        pieces = calendars.calendar_pieces(session, config, schedule, start, end)
        rows.append(
            ("Calendar", [Span(people(p.username), p.start, p.end, "calendar") for p in pieces])
        )
    for layer in schedule.layers:
        pieces = layer_pieces(layer, schedule.zone, start, end)
        rows.append(
            (layer.name, [Span(people(p.username), p.start, p.end, layer.name) for p in pieces])
        )
    active = overrides.active_overrides(session, schedule.slug, start, end)
    return Sources(final, rows, [_override_span(people, o, start, end) for o in active])


@dataclass(frozen=True)
class OverrideLine:
    id: int
    person: PersonView
    replaces: PersonView | None
    start: datetime
    end: datetime
    reason: str


def override_lines(people: People, found: Sequence[ScheduleOverride]) -> list[OverrideLine]:
    return [
        OverrideLine(
            id=o.id,
            person=people(o.username),
            replaces=people(o.replaces) if o.replaces else None,
            start=as_utc(o.starts_at),
            end=as_utc(o.ends_at),
            reason=o.reason,
        )
        for o in found
    ]


@dataclass(frozen=True)
class Cell:
    """One hour of one day (local to the schedule) in one row of the week."""

    classes: str
    label: str
    title: str
    local_start: str = ""
    """``2026-03-03T12:00``: what the range selection puts in the form (empty: an hour the
    clocks skip)."""
    local_end: str = ""


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    """``final``, ``layer``, ``calendar`` or ``overrides``."""
    cells: list[Cell]


@dataclass(frozen=True)
class Day:
    day: date
    label: str
    today: bool
    rows: list[Row]


def _local_label(value: date, hour: int) -> str:
    return f"{value.isoformat()}T{hour:02d}:00"


def _describe(span: Span, zone: ZoneInfo) -> str:
    what = span.person.name
    if span.replaces is not None:
        what += f" for {span.replaces.name}"
    return f"{what}, {at(span.start, zone)} → {at(span.end, zone)} ({span.source})"


def _cells(
    day: date, zone: ZoneInfo, spans: Sequence[Span], now: datetime, kind: str
) -> list[Cell]:
    cells: list[Cell] = []
    previous: tuple[str, str, int | None] | None = None
    for hour in range(HOURS):
        start = localize(datetime.combine(day, time(hour)), zone)
        stop_wall = (
            datetime.combine(day, time(hour + 1))
            if hour + 1 < HOURS
            else datetime.combine(day + timedelta(days=1), time())
        )
        end = localize(stop_wall, zone)
        if start >= end:
            cells.append(Cell("cell skipped", "", f"{hour:02d}:00 does not exist on this day"))
            previous = None
            continue
        over = [s for s in spans if s.start < end and s.end > start]
        main = next((s for s in over if s.start <= start), over[0] if over else None)
        classes = ["cell"]
        if start <= now < end:
            classes.append("now")
        if main is None:
            classes.append("gap")
            title = "nobody on call" if kind != "overrides" else "no override"
            label = ""
            previous = None
        else:
            covered = sum(((min(s.end, end) - max(s.start, start)) for s in over), timedelta(0))
            classes.append(f"p{main.person.colour}")
            if main.override_id is not None:
                classes.append("ov")
            if covered < end - start or len({s.person.username for s in over}) > 1:
                classes.append("partial")
            if main.key == previous:
                classes.append("cont")
                label = ""
            else:
                label = main.person.short
                if kind == "overrides" and main.replaces is not None:
                    label = f"{main.person.short} for {main.replaces.short}"
            title = "; ".join(_describe(s, zone) for s in over)
            previous = main.key
        if end <= now:  # an override cannot change the past: nothing to select
            cells.append(Cell(" ".join(classes), label, f"{hour:02d}:00 · {title}"))
            continue
        following = (day + timedelta(days=1), 0) if hour + 1 == HOURS else (day, hour + 1)
        cells.append(
            Cell(
                " ".join(classes),
                label,
                f"{hour:02d}:00 · {title}",
                _local_label(day, hour),
                _local_label(*following),
            )
        )
    return cells


def week_days(found: Sources, span: Window, now: datetime) -> list[Day]:
    today = now.astimezone(span.zone).date()
    days: list[Day] = []
    for day in span.days:
        rows = [Row("Final", "final", _cells(day, span.zone, found.final, now, "final"))]
        rows += [
            Row(name, "layer", _cells(day, span.zone, spans, now, "layer"))
            for name, spans in found.layers
        ]
        rows.append(
            Row("Overrides", "overrides", _cells(day, span.zone, found.overrides, now, "overrides"))
        )
        days.append(Day(day, f"{day:%a} {day.day} {day:%b}", day == today, rows))
    return days


@dataclass(frozen=True)
class Segment:
    """A piece of the final schedule on one day of the month."""

    person: PersonView
    start: str
    end: str
    source: str
    override: bool
    title: str


@dataclass(frozen=True)
class MonthDay:
    day: date
    in_month: bool
    today: bool
    segments: list[Segment] = field(default_factory=list)


def _clock(value: datetime, zone: ZoneInfo, day: date) -> str:
    local = value.astimezone(zone)
    return "24:00" if local.date() > day else f"{local:%H:%M}"


def month_weeks(found: Sources, span: Window, now: datetime) -> list[list[MonthDay]]:
    today = now.astimezone(span.zone).date()
    weeks: list[list[MonthDay]] = []
    for day in span.days:
        start = localize(datetime.combine(day, time()), span.zone)
        end = localize(datetime.combine(day + timedelta(days=1), time()), span.zone)
        segments = [
            Segment(
                person=s.person,
                start=_clock(max(s.start, start), span.zone, day),
                end=_clock(min(s.end, end), span.zone, day),
                source=s.source,
                override=s.override_id is not None,
                title=_describe(s, span.zone),
            )
            for s in found.final
            if s.start < end and s.end > start
        ]
        if day.weekday() == 0:
            weeks.append([])
        weeks[-1].append(MonthDay(day, day.month == span.anchor.month, day == today, segments))
    return weeks


@dataclass(frozen=True)
class ShiftLine:
    span: Span
    start: str
    end: str
    viewer_start: str
    viewer_end: str


def shift_lines(found: Sources, zone: ZoneInfo, viewer_zone: str | None) -> list[ShiftLine]:
    other = viewer_zone if viewer_zone and ZoneInfo(viewer_zone) != zone else None
    return [
        ShiftLine(
            span=s,
            start=at(s.start, zone),
            end=at(s.end, zone),
            viewer_start=at(s.start, other) if other else "",
            viewer_end=at(s.end, other) if other else "",
        )
        for s in found.final
    ]


def layer_rule(layer: Layer) -> str:
    """``weekly from Mon 5 Jan 2026 09:00; mon-fri 09:00-17:00``."""
    shift = layer.shift if isinstance(layer.shift, str) else format_duration(layer.shift)
    start = layer.start
    text = f"{shift} shifts from {start:%a} {start.day} {start:%b %Y %H:%M}"
    if layer.end is not None:
        text += f" until {layer.end:%a} {layer.end.day} {layer.end:%b %Y %H:%M}"
    for restriction in layer.restrictions:
        days = ", ".join(day.value for day in restriction.days)
        end = format_window_time(restriction.end)
        text += f"; only {days} {restriction.start:%H:%M}{DASH}{end}"
    return text


# --- escalation policies ------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    number: int
    kind: str
    """``on_call``, ``users``, ``team`` or ``wait``."""
    offset: timedelta
    """From the start of a round, when the step runs."""
    schedule: Schedule | None = None
    on_call_now: list[PersonView] = field(default_factory=list)
    people: list[PersonView] = field(default_factory=list)
    teams: list[tuple[Team, list[ContactView]]] = field(default_factory=list)
    wait: str = ""
    missing: str = ""
    """A schedule the policy names that is not configured (config check reports it)."""


@dataclass(frozen=True)
class PolicyView:
    policy: EscalationPolicy
    teams: list[Team]
    steps: list[StepView]
    round_length: timedelta
    rounds: int
    final: list[PersonView]
    final_after: timedelta
    ack_timeout: str


def offset_text(value: timedelta) -> str:
    return "at once" if value <= timedelta(0) else f"after {format_duration(value)}"


def policy_views(
    session: Session, config: Config, people: People, now: datetime
) -> list[PolicyView]:
    found: list[PolicyView] = []
    for policy in config.escalation_policies:
        teams = [team for team in config.teams if team.escalation_policy == policy.slug]
        steps: list[StepView] = []
        offset = timedelta(0)
        for number, step in enumerate(policy.steps, start=1):
            if step.notify_on_call is not None:
                schedule = config.schedule(step.notify_on_call)
                steps.append(
                    StepView(
                        number,
                        "on_call",
                        offset,
                        schedule=schedule,
                        on_call_now=[
                            people(u) for u, _until in on_call_until(session, config, schedule, now)
                        ]
                        if schedule is not None
                        else [],
                        missing="" if schedule is not None else step.notify_on_call,
                    )
                )
            elif step.notify_users is not None:
                steps.append(
                    StepView(number, "users", offset, people=[people(u) for u in step.notify_users])
                )
            elif step.notify_team_channel:
                steps.append(
                    StepView(
                        number,
                        "team",
                        offset,
                        teams=[(team, team_contacts(team.contacts)) for team in teams],
                    )
                )
            elif step.wait is not None:
                steps.append(StepView(number, "wait", offset, wait=format_duration(step.wait)))
                offset += step.wait
        rounds = policy.repeat + 1
        found.append(
            PolicyView(
                policy=policy,
                teams=teams,
                steps=steps,
                round_length=offset,
                rounds=rounds,
                final=[people(u) for u in policy.final],
                final_after=offset * rounds,
                ack_timeout=format_duration(policy.ack_timeout) if policy.ack_timeout else "",
            )
        )
    return found


def today_in(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()
