"""Where escalation hands messages to the outbox: a page to one contact of a person, a post
to the owning team's contacts, a status-update reminder to a person.

Deliveries are enqueued in the caller's transaction with keys derived from the page or the
step, so a job that runs again enqueues nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Config, ContactKind
from warroom.config.people import Person, PersonContact, PersonContactKind
from warroom.escalation.models import Page
from warroom.incidents.models import Incident
from warroom.notify.models import Channel, Delivery, Purpose
from warroom.notify.outbox import enqueue

PERSON_CHANNELS = {
    PersonContactKind.EMAIL: Channel.EMAIL,
    PersonContactKind.SLACK: Channel.SLACK,
    PersonContactKind.WEBHOOK: Channel.WEBHOOK,
}
TEAM_CHANNELS = {
    ContactKind.EMAIL: Channel.EMAIL,
    ContactKind.SLACK_CHANNEL: Channel.SLACK,
    ContactKind.WEBHOOK: Channel.WEBHOOK,
}


def incident_summary(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "ref": incident.ref,
        "number": incident.number,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "team": incident.team,
    }


def message(kind: str, subject: str, text: str, incident: Incident) -> dict[str, Any]:
    return {
        "kind": kind,
        "subject": subject,
        "text": text,
        "incident": incident_summary(incident),
    }


def _person_payload(contact: PersonContact, body: dict[str, Any]) -> dict[str, Any]:
    if contact.kind is PersonContactKind.SLACK:
        return {"op": "dm", "user": contact.target, "message": body}
    return body


def notify_person(
    session: Session,
    config: Config,
    incident: Incident,
    page: Page,
    person: Person,
    contact: PersonContact,
    now: datetime,
) -> Delivery | None:
    subject = f"[{incident.severity}] {incident.ref} {incident.title}"
    body = message(
        "page",
        subject,
        f"{person.name}, you are paged for {incident.ref} ({incident.severity}, team "
        f"{incident.team}): {incident.title}. Reason: {page.reason}.",
        incident,
    )
    return enqueue(
        session,
        config,
        channel=PERSON_CHANNELS[contact.kind],
        target=contact.target,
        purpose=Purpose.PAGE,
        payload=_person_payload(contact, body),
        key=f"page:{page.id}:{contact.kind.value}",
        now=now,
        incident_id=incident.id,
        page_id=page.id,
        username=person.username,
    )


def post_to_team(
    session: Session, config: Config, incident: Incident, now: datetime, key: str
) -> list[Delivery]:
    team = config.team(incident.team)
    subject = f"[{incident.severity}] {incident.ref} {incident.title}"
    body = message(
        "incident",
        subject,
        f"{incident.ref} ({incident.severity}) is paging team {incident.team}: {incident.title}",
        incident,
    )
    sent = []
    for contact in team.contacts if team is not None else []:
        channel = TEAM_CHANNELS.get(contact.kind)
        if channel is None:
            continue  # a phone number: nothing warroom can send to
        payload = (
            {"op": "post", "channel": contact.target, "message": body}
            if channel is Channel.SLACK
            else body
        )
        delivery = enqueue(
            session,
            config,
            channel=channel,
            target=contact.target,
            purpose=Purpose.BROADCAST,
            payload=payload,
            key=f"{key}:{contact.kind.value}:{contact.target}",
            now=now,
            incident_id=incident.id,
        )
        if delivery is not None:
            sent.append(delivery)
    return sent


def remind_person(
    session: Session,
    config: Config,
    incident: Incident,
    person: Person,
    contacts: list[PersonContact],
    now: datetime,
    key: str,
) -> list[Delivery]:
    body = message(
        "reminder",
        f"{incident.ref}: a status update is due",
        f"{incident.ref} ({incident.severity}) needs a status update: post one with "
        f"`warroom incident update {incident.ref} ...`.",
        incident,
    )
    sent = []
    for contact in contacts:
        delivery = enqueue(
            session,
            config,
            channel=PERSON_CHANNELS[contact.kind],
            target=contact.target,
            purpose=Purpose.REMINDER,
            payload=_person_payload(contact, body),
            key=f"{key}:{contact.kind.value}",
            now=now,
            incident_id=incident.id,
            username=person.username,
        )
        if delivery is not None:
            sent.append(delivery)
    return sent
