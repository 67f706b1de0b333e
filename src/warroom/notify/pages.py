"""Escalation's messages through the outbox: a page to one contact of a person, a post to
the owning team's contacts, a status-update reminder to a person. ``OutboxMessenger``
implements escalation's ``Messenger`` port (``warroom.escalation.messenger``).

Deliveries are enqueued in the caller's transaction with keys derived from the page or the
step, so a job that runs again enqueues nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.config import Config, ContactKind
from warroom.config.people import Person, PersonContact, PersonContactKind
from warroom.escalation.messenger import PageDelivery, Sent
from warroom.escalation.models import Page
from warroom.incidents.models import Incident
from warroom.notify.channels.slack import channels as slack_channels
from warroom.notify.messages import incident_subject, message
from warroom.notify.models import Channel, Delivery, DeliveryStatus, Purpose
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
    subject = incident_subject(incident)
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
    subject = incident_subject(incident)
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
    public_pages: Sequence[str] = (),
) -> list[Delivery]:
    if public_pages:
        body = message(
            "reminder",
            f"{incident.ref}: a public status update is due",
            f"{incident.ref} ({incident.severity}) needs a public status update for "
            f"{', '.join(public_pages)}: post one with audience public on the incident page "
            f"or `warroom incident update {incident.ref} --public ...`.",
            incident,
        )
    else:
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


def _sent(deliveries: Sequence[Delivery]) -> list[Sent]:
    return [Sent(delivery.id, delivery.target) for delivery in deliveries]


class OutboxMessenger:
    """Escalation's ``Messenger``: everything goes through the outbox, in the caller's
    transaction, keyed so a job that runs again enqueues nothing twice."""

    def page(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        page: Page,
        person: Person,
        contact: PersonContact,
        now: datetime,
    ) -> Sent | None:
        delivery = notify_person(session, config, incident, page, person, contact, now)
        return None if delivery is None else Sent(delivery.id, delivery.target)

    def paged(
        self, session: Session, config: Config, incident: Incident, username: str, now: datetime
    ) -> None:
        slack_channels.invite_paged(session, config, incident, username, now)

    def post_to_team(
        self, session: Session, config: Config, incident: Incident, now: datetime, key: str
    ) -> list[Sent]:
        return _sent(post_to_team(session, config, incident, now, key))

    def remind(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        person: Person,
        contacts: Sequence[PersonContact],
        now: datetime,
        key: str,
        *,
        public_pages: Sequence[str] = (),
    ) -> list[Sent]:
        return _sent(
            remind_person(session, config, incident, person, list(contacts), now, key, public_pages)
        )

    def cancel_pages(self, session: Session, page_ids: Sequence[int]) -> int:
        cancelled = session.execute(
            update(Delivery)
            .where(Delivery.page_id.in_(page_ids), Delivery.status == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.CANCELLED)
        )
        return int(getattr(cancelled, "rowcount", 0) or 0)

    def page_deliveries(
        self, session: Session, page_ids: Sequence[int]
    ) -> dict[int, list[PageDelivery]]:
        found: dict[int, list[PageDelivery]] = defaultdict(list)
        if not page_ids:
            return found
        rows = session.scalars(
            select(Delivery).where(Delivery.page_id.in_(page_ids)).order_by(Delivery.id)
        )
        for row in rows:
            assert row.page_id is not None
            found[row.page_id].append(
                PageDelivery(
                    id=row.id,
                    channel=row.channel.value,
                    target=row.target,
                    status=row.status.value,
                    attempts=row.attempts,
                    due_at=row.due_at,
                    delivered_at=row.delivered_at,
                    last_error=row.last_error,
                )
            )
        return found
