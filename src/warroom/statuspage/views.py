"""What a status page shows, built from public facts only.

The views hold no ORM row: an incident appears with its public title (the comms lead's, or
"<impact> of <components>"), its public status, the page's own names of the components it
affects (never other services), and its public updates; never its internal title, summary,
notes, labels, team or people. Maintenance windows show their components and times, not their
comments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, selectinload

from warroom.alerts.models import Silence, SilenceKind
from warroom.config import Config
from warroom.config.status_pages import StatusComponent, StatusPage
from warroom.incidents.enums import Audience
from warroom.incidents.models import Incident, IncidentService, StatusUpdate
from warroom.statuspage import uptime as uptime_
from warroom.statuspage.states import (
    HEADLINES,
    ComponentState,
    PublicStatus,
    component_state,
    impact_state,
    incident_state,
    public_status,
    worst,
)

HISTORY = timedelta(days=14)
"""Resolved incidents stay listed this long."""
MAX_HISTORY = 50
"""Resolved incidents listed at most."""
FEED_ENTRIES = 50


@dataclass(frozen=True)
class ComponentView:
    service: str
    name: str
    description: str
    group: str | None
    state: ComponentState
    uptime: uptime_.Uptime


@dataclass(frozen=True)
class GroupView:
    name: str | None
    components: list[ComponentView]

    @property
    def state(self) -> ComponentState:
        return worst(c.state for c in self.components)


@dataclass(frozen=True)
class UpdateView:
    id: int
    at: datetime
    text: str
    status: PublicStatus


@dataclass(frozen=True)
class IncidentView:
    id: int
    title: str
    impact: ComponentState
    """At its worst (from the severity)."""
    state: ComponentState
    """Now (operational once resolved)."""
    status: PublicStatus
    components: list[str]
    """The page's names of the components it affects."""
    services: frozenset[str]
    """Their services (the page's own, never another)."""
    started_at: datetime
    resolved_at: datetime | None
    updates: list[UpdateView]
    """Newest first."""


@dataclass(frozen=True)
class MaintenanceView:
    components: list[str]
    services: frozenset[str]
    starts_at: datetime
    ends_at: datetime
    active: bool


@dataclass(frozen=True)
class PageView:
    slug: str
    title: str
    description: str
    organization: str
    state: ComponentState
    groups: list[GroupView]
    active: list[IncidentView]
    history: list[IncidentView]
    maintenance: list[MaintenanceView]
    generated_at: datetime

    @property
    def headline(self) -> str:
        return HEADLINES[self.state]


@dataclass(frozen=True)
class FeedEntry:
    id: int
    at: datetime
    incident_id: int
    title: str
    status: PublicStatus
    text: str


def display_name(config: Config, component: StatusComponent) -> str:
    if component.name:
        return component.name
    service = config.service(component.service)
    return service.name if service is not None else component.service


def component_names(config: Config, page: StatusPage) -> dict[str, str]:
    """Service slug -> its public name on ``page``."""
    return {c.service: display_name(config, c) for c in page.components}


def public_title(incident: Incident, impact: ComponentState, components: Sequence[str]) -> str:
    """The comms lead's title, else ``Partial outage of Payments and Checkout``."""
    if incident.public_title:
        return incident.public_title
    if not components:
        return impact.label
    names = (
        components[0]
        if len(components) == 1
        else ", ".join(components[:-1]) + " and " + components[-1]
    )
    return f"{impact.label} of {names}"


def shown_severities(config: Config, page: StatusPage) -> list[str]:
    """The severities whose incidents show on ``page`` (impact other than none)."""
    ranks = config.severity_ranks
    return [
        key
        for key in config.severity_keys()
        if impact_state(page, key, ranks) is not ComponentState.OPERATIONAL
    ]


def _incidents(
    session: Session, config: Config, page: StatusPage, now: datetime, history: timedelta
) -> list[Incident]:
    """Every open incident (the component states need them all), then at most
    ``MAX_HISTORY`` resolved within ``history``; newest first."""
    shown = select(IncidentService.incident_id).where(IncidentService.service.in_(page.services))
    stmt = (
        select(Incident)
        .where(
            Incident.id.in_(shown),
            Incident.severity.in_(shown_severities(config, page)),
            Incident.impact_started_at <= now,
        )
        .options(
            selectinload(Incident.services),
            lazyload(Incident.role_assignments),
            lazyload(Incident.participants),
            lazyload(Incident.declared_by),
        )
        .order_by(Incident.impact_started_at.desc(), Incident.id.desc())
    )
    current = session.scalars(stmt.where(Incident.resolved_at.is_(None)))
    past = session.scalars(stmt.where(Incident.resolved_at >= now - history).limit(MAX_HISTORY))
    return [*current, *past]


def _public_updates(session: Session, incident_ids: list[int]) -> dict[int, list[UpdateView]]:
    found: dict[int, list[UpdateView]] = defaultdict(list)
    if not incident_ids:
        return found
    rows = session.execute(
        select(
            StatusUpdate.incident_id,
            StatusUpdate.id,
            StatusUpdate.at,
            StatusUpdate.text,
            StatusUpdate.status,
        )
        .where(
            StatusUpdate.incident_id.in_(incident_ids),
            StatusUpdate.audience == Audience.PUBLIC,
        )
        .order_by(StatusUpdate.at.desc(), StatusUpdate.id.desc())
    )
    for incident_id, update_id, at, text, status in rows:
        found[incident_id].append(UpdateView(update_id, at, text, public_status(status)))
    return found


def incident_views(
    session: Session,
    config: Config,
    page: StatusPage,
    now: datetime,
    history: timedelta = HISTORY,
) -> list[IncidentView]:
    """Incidents on the page's components, open or resolved within ``history``, newest
    first; incidents whose severity does not show on the page are left out."""
    names = component_names(config, page)
    ranks = config.severity_ranks
    rows = _incidents(session, config, page, now, history)
    updates = _public_updates(session, [incident.id for incident in rows])
    views = []
    for incident in rows:
        impact = impact_state(page, incident.severity, ranks)
        services = frozenset(incident.service_slugs).intersection(names)
        shown = [name for service, name in names.items() if service in services]
        views.append(
            IncidentView(
                id=incident.id,
                title=public_title(incident, impact, shown),
                impact=impact,
                state=incident_state(impact, incident.status),
                status=public_status(incident.status),
                components=shown,
                services=services,
                started_at=incident.impact_started_at,
                resolved_at=incident.resolved_at,
                updates=updates.get(incident.id, []),
            )
        )
    return views


def maintenance_views(
    session: Session, config: Config, page: StatusPage, now: datetime
) -> list[MaintenanceView]:
    """Active and upcoming maintenance windows of the page's services (windows with the same
    times are one entry), soonest first."""
    names = component_names(config, page)
    rows = session.execute(
        select(Silence.service, Silence.starts_at, Silence.ends_at)
        .where(
            Silence.kind == SilenceKind.MAINTENANCE,
            Silence.service.in_(page.services),
            Silence.expired_at.is_(None),
            Silence.ends_at > now,
        )
        .order_by(Silence.starts_at, Silence.id)
    )
    grouped: dict[tuple[datetime, datetime], set[str]] = {}
    for service, starts_at, ends_at in rows:
        if service is not None:
            grouped.setdefault((starts_at, ends_at), set()).add(service)
    return [
        MaintenanceView(
            [name for slug, name in names.items() if slug in services],
            frozenset(services),
            starts,
            ends,
            starts <= now,
        )
        for (starts, ends), services in grouped.items()
    ]


def page_view(session: Session, config: Config, page: StatusPage, now: datetime) -> PageView:
    incidents = incident_views(session, config, page, now)
    maintenance = maintenance_views(session, config, page, now)
    names = component_names(config, page)
    in_maintenance = {s for window in maintenance if window.active for s in window.services}
    states: dict[str, list[ComponentState]] = defaultdict(list)
    for incident in incidents:
        for service in incident.services:
            states[service].append(incident.state)
    spans = uptime_.page_spans(session, page, config.severity_ranks, now)
    groups: dict[str | None, list[ComponentView]] = {}
    for component in page.components:
        name = names[component.service]
        view = ComponentView(
            service=component.service,
            name=name,
            description=component.description,
            group=component.group,
            state=component_state(states[component.service], component.service in in_maintenance),
            uptime=uptime_.uptime(spans[component.service], now),
        )
        groups.setdefault(component.group, []).append(view)
    group_views = [GroupView(name, components) for name, components in groups.items()]
    return PageView(
        slug=page.slug,
        title=page.title,
        description=page.description,
        organization=config.organization.name,
        state=worst(g.state for g in group_views),
        groups=group_views,
        active=[i for i in incidents if i.resolved_at is None],
        history=[i for i in incidents if i.resolved_at is not None],
        maintenance=maintenance,
        generated_at=now,
    )


def feed_entries(
    session: Session, config: Config, page: StatusPage, limit: int = FEED_ENTRIES
) -> list[FeedEntry]:
    """The page's latest public updates, newest first, one entry each."""
    shown = select(IncidentService.incident_id).where(IncidentService.service.in_(page.services))
    rows = session.execute(
        select(StatusUpdate.id, StatusUpdate.at, StatusUpdate.text, StatusUpdate.status, Incident)
        .join(Incident, Incident.id == StatusUpdate.incident_id)
        .where(
            StatusUpdate.audience == Audience.PUBLIC,
            StatusUpdate.incident_id.in_(shown),
            Incident.severity.in_(shown_severities(config, page)),
        )
        .options(
            selectinload(Incident.services),
            lazyload(Incident.role_assignments),
            lazyload(Incident.participants),
            lazyload(Incident.declared_by),
        )
        .order_by(StatusUpdate.at.desc(), StatusUpdate.id.desc())
        .limit(limit)
    )
    names = component_names(config, page)
    ranks = config.severity_ranks
    entries = []
    for update_id, at, text, status, incident in rows:
        impact = impact_state(page, incident.severity, ranks)
        services = set(incident.service_slugs)
        shown_names = [name for service, name in names.items() if service in services]
        entries.append(
            FeedEntry(
                id=update_id,
                at=at,
                incident_id=incident.id,
                title=public_title(incident, impact, shown_names),
                status=public_status(status),
                text=text,
            )
        )
    return entries


def pages_showing(config: Config, services: Sequence[str]) -> list[StatusPage]:
    """The status pages that show any of ``services``."""
    wanted = set(services)
    return [page for page in config.status_pages if wanted.intersection(page.services)]
