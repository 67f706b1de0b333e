"""On-call health: pages per person per week, pages out of hours, who carried the pager at
night. Hours are the incident's team's: out of hours is outside its working hours, night is
outside its extended hours (by default mon-fri 09-17 and every day 08-22, in its time zone).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config, Team
from warroom.escalation.models import Page
from warroom.incidents.models import Incident
from warroom.learn.insights.window import Window

NIGHT_DATE_SHIFT = timedelta(hours=12)
"""A night page belongs to the night that began the evening before (02:00 Tue is Monday's
night): its local time minus 12 hours gives the evening's date."""


@dataclass(frozen=True)
class PersonLoad:
    username: str
    pages: int
    pages_per_week: float
    out_of_hours: int
    night: int
    nights: int
    """Distinct nights with at least one night page."""
    weekly: list[int]
    """Pages in each 7-day bucket from the window's start."""


@dataclass(frozen=True)
class OncallReport:
    window: Window
    people: list[PersonLoad]


def _team(config: Config, slug: str) -> Team:
    return config.team(slug) or Team(slug=slug, name=slug, timezone="UTC")


def _weeks(window: Window) -> int:
    return -(-window.length // timedelta(days=7))


def report(
    session: Session, config: Config, window: Window, *, include_drills: bool = False
) -> OncallReport:
    stmt = (
        select(Page.username, Page.paged_at, Incident.team)
        .join(Incident, Incident.id == Page.incident_id)
        .where(Page.paged_at >= window.since, Page.paged_at < window.until)
        .order_by(Page.paged_at, Page.id)
    )
    if not include_drills:
        stmt = stmt.where(Incident.drill.is_(False))
    weeks = _weeks(window)
    pages: dict[str, list[tuple[datetime, Team]]] = defaultdict(list)
    for username, paged_at, slug in session.execute(stmt).all():
        pages[username].append((paged_at, _team(config, slug)))
    people = []
    for username, rows in pages.items():
        weekly = [0] * weeks
        out_of_hours = night = 0
        nights: set[date] = set()
        for paged_at, team in rows:
            weekly[(paged_at - window.since) // timedelta(days=7)] += 1
            local = paged_at.astimezone(team.zone)
            if not team.working_hours.contains(local):
                out_of_hours += 1
            if not team.extended_hours.contains(local):
                night += 1
                nights.add((local - NIGHT_DATE_SHIFT).date())
        people.append(
            PersonLoad(
                username,
                len(rows),
                round(len(rows) / window.weeks, 2),
                out_of_hours,
                night,
                len(nights),
                weekly,
            )
        )
    people.sort(key=lambda p: (-p.night, -p.pages, p.username))
    return OncallReport(window, people)
