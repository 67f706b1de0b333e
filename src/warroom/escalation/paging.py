"""Paging one person: a Page row, a timeline entry, and deliveries by their personal rules.

Each of the person's notification rules with ``after: 0`` is delivered at once (through the
outbox); a rule with a delay becomes a job at page time + delay that delivers only if the page
is still unacknowledged and its run still current. A person warroom cannot reach (not
configured, or no contact on a configured channel) gets a Page with status ``unroutable``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict

import structlog
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.config.people import NotificationRule, Person, PersonContact, PersonContactKind
from warroom.escalation.messenger import messenger
from warroom.escalation.models import Escalation, Page, PageStatus
from warroom.escalation.service import still_pages
from warroom.incidents import timeline
from warroom.incidents.enums import TimelineKind
from warroom.incidents.locks import lock_incident
from warroom.incidents.models import Incident
from warroom.jobs.queue import schedule

log = structlog.get_logger("warroom.escalation.paging")

PAGE_CONTACT_JOB = "page_contact"


class PageContactPayload(TypedDict):
    """Job ``page_contact``: a delayed notification rule of page ``page_id`` comes due,
    for the run whose token was ``token``, through the person's ``contact`` kind."""

    page_id: int
    token: str
    contact: str


def usable(contact: PersonContact, config: Config) -> bool:
    """Whether warroom can send through the contact's channel with this configuration."""
    if contact.kind is PersonContactKind.EMAIL:
        return config.notifications.email is not None
    if contact.kind is PersonContactKind.SLACK:
        return config.notifications.slack is not None
    return True


def usable_rules(person: Person, config: Config) -> list[tuple[NotificationRule, PersonContact]]:
    found = []
    for rule in person.effective_rules:
        contact = person.contact(rule.contact)
        if contact is not None and usable(contact, config):
            found.append((rule, contact))
    return found


def where(run: Escalation, step: int | None) -> str:
    """``step 2, round 1`` (1-based, as people count) or ``final fallback``."""
    if step is None:
        return "final fallback"
    return f"step {step + 1}, round {run.round + 1}"


def page_person(
    session: Session,
    config: Config,
    incident: Incident,
    run: Escalation,
    username: str,
    why: str,
    step: int | None,
    now: datetime,
) -> Page:
    """Page ``username`` for ``run`` (``why``: "on call in payments-primary"); ``step`` is
    the step index, None for the final fallback."""
    person = config.person(username)
    rules = usable_rules(person, config) if person is not None else []
    page = Page(
        incident_id=incident.id,
        escalation_id=run.id,
        username=username,
        step=run.step if step is None else step,
        round=run.round,
        reason=why,
        status=PageStatus.PAGING if rules else PageStatus.UNROUTABLE,
        paged_at=now,
    )
    session.add(page)
    session.flush()
    after: dict[str, Any] = {
        "username": username,
        "page_id": page.id,
        "escalation_id": run.id,
        "step": None if step is None else step + 1,
        "round": run.round + 1,
        "reason": why,
        "status": page.status.value,
    }
    if person is None or not rules:
        problem = (
            "not a configured person"
            if person is None
            else "no contact warroom can use (check people[].contacts and notifications)"
        )
        text = f"could not page {username} ({why}), {where(run, step)}: {problem}; unroutable"
        timeline.record(session, incident, TimelineKind.PAGED, None, text, now, after=after)
        return page
    after["contacts"] = [
        {"kind": rule.contact.value, "after": rule.after.total_seconds()} for rule, _c in rules
    ]
    text = f"paged {username} ({why}), {where(run, step)}"
    timeline.record(session, incident, TimelineKind.PAGED, None, text, now, after=after)
    outlet = messenger()
    outlet.paged(session, config, incident, username, now)
    for rule, contact in rules:
        if rule.after <= timedelta(0):
            outlet.page(session, config, incident, page, person, contact, now)
        else:
            schedule(
                session,
                PAGE_CONTACT_JOB,
                now + rule.after,
                now,
                PageContactPayload(page_id=page.id, token=run.token, contact=contact.kind.value),
                key=f"page_contact:{page.id}:{contact.kind.value}",
            )
    return page


def page_contact(
    session: Session, config: Config, payload: PageContactPayload, now: datetime
) -> None:
    """Job: a delayed notification rule comes due; deliver if the page still waits."""
    page = session.get(Page, payload["page_id"])
    if page is None:
        return
    incident = lock_incident(session, page.incident_id)
    if incident is None:
        return
    session.refresh(page)
    run = session.get(Escalation, page.escalation_id)
    if run is None:
        return
    session.refresh(run)
    current = (
        page.status is PageStatus.PAGING
        and run.token == payload["token"]
        and still_pages(session, config, incident, run)
    )
    person = config.person(page.username)
    contact = person.contact(PersonContactKind(payload["contact"])) if person else None
    if not current or person is None or contact is None or not usable(contact, config):
        log.info("page_contact_dropped", page_id=page.id, contact=payload["contact"])
        return
    messenger().page(session, config, incident, page, person, contact, now)
